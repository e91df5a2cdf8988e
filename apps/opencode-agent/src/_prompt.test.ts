import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Task, TaskGraph } from '@agentic-sdlc/tasks-parser';
import { describe, expect, it } from 'vitest';
import { buildPrompt } from './_prompt.js';

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'asdlc-prompt-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

const task: Task = {
  key: 'T006@20',
  id: 'T006',
  title: 'Implement CalendarSync service in src/sync.ts',
  line: 20,
  column: 1,
  state: 'open',
  parallel: true,
  stories: [1],
  mode: 'async',
  tags: [],
  files: ['src/sync.ts'],
  phase: 3,
  dependsOn: ['T005'],
  body: ['- handle 429 from the provider', '- log every sync'],
  raw: '- [ ] T006 [P] [ASYNC] [US1] Implement CalendarSync service in src/sync.ts',
  checkbox: 4,
  declaresDeps: false,
};

const graph: TaskGraph = {
  path: 'specs/042-calendar-sync/tasks.md',
  feature: '042-calendar-sync',
  phases: [
    {
      index: 3,
      number: '3',
      title: 'User Story 1 - Sync calendars',
      kind: 'story',
      story: 1,
      priority: 'P1',
      mvp: true,
      line: 15,
    },
  ],
  tasks: [task],
  diagnostics: [],
};

const F = 'specs/042-calendar-sync';

describe('buildPrompt', () => {
  it('includes the task line, sub-items, phase, feature documents, contracts, constitution and the rules', () => {
    const root = tree({
      [`${F}/tasks.md`]: '# Tasks',
      [`${F}/spec.md`]: '# Spec\nUsers sync calendars.',
      [`${F}/plan.md`]: '# Plan\nTypeScript.',
      [`${F}/data-model.md`]: '# Data model',
      [`${F}/research.md`]: '# Research',
      [`${F}/contracts/sync.openapi.yaml`]: 'openapi: 3.1.0',
      [`${F}/contracts/events/created.md`]: '# Created event ~~~ fence inside',
      [`${F}/quickstart.md`]: '# Quickstart',
      [`${F}/checklists/req.md`]: 'not included',
      '.specify/memory/constitution.md': '# Constitution\nTest first.',
    });
    const p = buildPrompt({ roots: [root], tasksFile: `${F}/tasks.md`, graph, task });
    expect(p.delegation).toBe(false);
    expect(p.sources).toEqual([
      `${F}/spec.md`,
      `${F}/plan.md`,
      `${F}/data-model.md`,
      `${F}/research.md`,
      `${F}/contracts/events/created.md`,
      `${F}/contracts/sync.openapi.yaml`,
      `${F}/quickstart.md`,
      '.specify/memory/constitution.md',
    ]);
    expect(p.text.startsWith('# Task T006: Implement CalendarSync service in src/sync.ts\n')).toBe(true);
    expect(p.text).toContain(task.raw);
    expect(p.text).toContain('  - handle 429 from the provider\n  - log every sync');
    expect(p.text).toContain('- Phase: Phase 3: User Story 1 - Sync calendars (story, P1, MVP)');
    expect(p.text).toContain('- Depends on (already done on the base branch): T005');
    expect(p.text).toContain('`042-calendar-sync`');
    expect(p.text).toContain('Users sync calendars.');
    expect(p.text).toContain('Test first.');
    expect(p.text).toContain('openapi: 3.1.0');
    expect(p.text).not.toContain('not included');
    expect(p.text).toContain('- Implement only task T006.');
    expect(p.text).toContain('Touch only the files this task needs');
    expect(p.text).toContain('Do not commit');
    expect(p.text).toContain('run the ones relevant to this task');
    // a file containing ~~~ is fenced with a longer fence
    expect(p.text).toContain('~~~~\n# Created event ~~~ fence inside\n~~~~');
    // spec comes before plan, rules before the context
    expect(p.text.indexOf('## Rules')).toBeLessThan(p.text.indexOf('## Feature context'));
    expect(p.text.indexOf('# Spec')).toBeLessThan(p.text.indexOf('# Plan'));
  });

  it('leaves out documents that do not exist and falls back to later roots', () => {
    const worktree = tree({ [`${F}/tasks.md`]: '# Tasks', [`${F}/spec.md`]: 'committed spec' });
    const main = tree({ [`${F}/spec.md`]: 'dirty spec', [`${F}/plan.md`]: 'uncommitted plan' });
    const p = buildPrompt({ roots: [worktree, main], tasksFile: `${F}/tasks.md`, graph, task });
    expect(p.sources).toEqual([`${F}/spec.md`, `${F}/plan.md`]);
    expect(p.text).toContain('committed spec');
    expect(p.text).not.toContain('dirty spec');
    expect(p.text).toContain('uncommitted plan');
    expect(p.text).not.toContain('constitution');
  });

  it('uses the fork delegation prompt as the body when it exists, and still adds the rules', () => {
    const root = tree({
      [`${F}/spec.md`]: 'the spec',
      [`${F}/.async_state/delegation_prompts/T006.md`]:
        '# Delegation Request\n**Task ID:** T006\n## Context\ninlined context',
    });
    const p = buildPrompt({ roots: [root], tasksFile: `${F}/tasks.md`, graph, task });
    expect(p.delegation).toBe(true);
    expect(p.sources).toEqual([`${F}/.async_state/delegation_prompts/T006.md`]);
    expect(p.text).toContain('# Delegation Request');
    expect(p.text).toContain('inlined context');
    expect(p.text).toContain('## Rules');
    expect(p.text).toContain('- Implement only task T006.');
    expect(p.text).not.toContain('the spec');
  });

  it('finds a delegation prompt at the repository root and in the delegation roots', () => {
    const root = tree({ '.async_state/delegation_prompts/T006.md': 'root-level delegation' });
    const other = tree({});
    const p = buildPrompt({
      roots: [other],
      delegationRoots: [root],
      tasksFile: `${F}/tasks.md`,
      graph,
      task,
    });
    expect(p.delegation).toBe(true);
    expect(p.sources).toEqual(['.async_state/delegation_prompts/T006.md']);
    expect(p.text).toContain('root-level delegation');
  });
});
