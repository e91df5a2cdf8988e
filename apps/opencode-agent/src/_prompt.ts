import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix, relative } from 'node:path';
import type { Phase, Task, TaskGraph } from '@agentic-sdlc/tasks-parser';
import type { BuiltPrompt } from './types.js';

/** Per-file cap for inlined context, so one huge file cannot crowd out the rest. */
const MAX_FILE_CHARS = 60_000;

export interface BuildPromptInput {
  /**
   * Directories the context files are read from, first match wins: the task worktree (the committed base),
   * then the main checkout (for feature files not committed yet).
   */
  roots: string[];
  /** Directories searched for the fork's delegation prompt, in order (e.g. the main checkout, then `root`). */
  delegationRoots?: string[];
  /** tasks.md path relative to the roots (posix separators). */
  tasksFile: string;
  graph: TaskGraph;
  task: Task;
  /** Feature name (`042-calendar-sync`), if known. */
  feature?: string | null;
}

function fence(content: string): string {
  const longest = Math.max(2, ...[...content.matchAll(/~+/g)].map((m) => m[0].length));
  return '~'.repeat(longest + 1);
}

function fileBlock(path: string, content: string): string {
  const body =
    content.length > MAX_FILE_CHARS
      ? `${content.slice(0, MAX_FILE_CHARS)}\n… (truncated: ${content.length - MAX_FILE_CHARS} more characters; read the file for the rest)`
      : content;
  const f = fence(body);
  return `### ${path}\n\n${f}\n${body.replace(/\n+$/, '')}\n${f}\n`;
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(full));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

function phaseLabel(phase: Phase | undefined): string | null {
  if (!phase) return null;
  const number = phase.number ? `Phase ${phase.number}: ` : '';
  const title = /^phase\b/i.test(phase.title) ? phase.title : `${number}${phase.title}`;
  return `${title} (${phase.kind}${phase.priority ? `, ${phase.priority}` : ''}${phase.mvp ? ', MVP' : ''})`;
}

/** The rules every agent gets, whatever the prompt body. */
export function rulesSection(task: Task): string {
  return [
    '## Rules',
    '',
    `- Implement only task ${task.id}. Do not work on other tasks of tasks.md, even when they look related.`,
    '- Touch only the files this task needs. No drive-by refactors, renames or reformatting of unrelated code.',
    "- Do not commit, push, create branches or tick checkboxes in tasks.md: the runner commits your changes to the task's branch and pushes it.",
    "- Work inside the current directory (the task's git worktree); do not write outside it.",
    '- If the project has tests (package.json scripts, pytest, go test, cargo test, make test, …), run the ones relevant to this task and make them pass before you finish.',
    '- When you are done, reply with a short summary of what you changed.',
    '',
  ].join('\n');
}

/** The delegation prompt of the agentic-sdlc fork, when one exists for this task. */
export function findDelegationPrompt(
  roots: string[],
  featureDir: string,
  taskId: string,
): { file: string; rel: string } | null {
  for (const root of roots) {
    for (const dir of featureDir === '.' ? ['.'] : [featureDir, '.']) {
      const rel = posix.join(dir, '.async_state', 'delegation_prompts', `${taskId}.md`);
      const file = join(root, rel);
      if (existsSync(file) && statSync(file).isFile()) return { file, rel };
    }
  }
  return null;
}

/**
 * Build the prompt of one task: the task line and its sub-items, its phase, the feature's documents
 * (spec, plan, data model, research, contracts, quickstart), the constitution, and the rules.
 * A fork delegation prompt (`.async_state/delegation_prompts/<TID>.md`) replaces the body; the rules stay.
 */
export function buildPrompt(input: BuildPromptInput): BuiltPrompt {
  const { roots, task, graph } = input;
  const locate = (rel: string): string | null => {
    for (const root of roots) {
      const full = join(root, rel);
      if (existsSync(full)) return full;
    }
    return null;
  };
  const tasksFile = input.tasksFile.split('\\').join('/');
  const featureDir = posix.dirname(tasksFile);
  const feature = input.feature ?? graph.feature ?? null;
  const header = `# Task ${task.id}: ${task.title}\n`;

  const delegation = findDelegationPrompt(input.delegationRoots ?? roots, featureDir, task.id);
  if (delegation) {
    const body = readFileSync(delegation.file, 'utf8');
    return {
      text: `${header}\n${body.replace(/\n+$/, '')}\n\n${rulesSection(task)}`,
      sources: [delegation.rel],
      delegation: true,
    };
  }

  const phase = graph.phases.find((p) => p.index === task.phase);
  const lines: string[] = [header];
  lines.push(
    `You are implementing exactly one task of ${feature ? `the spec-kit feature \`${feature}\`` : 'a spec-kit feature'}`,
    `(task list: \`${tasksFile}\`). The feature documents below are the source of truth.`,
    '',
    '## The task',
    '',
    task.raw.trim(),
  );
  for (const sub of task.body) lines.push(`  ${sub}`);
  lines.push('');
  const facts: string[] = [];
  const label = phaseLabel(phase);
  if (label) facts.push(`- Phase: ${label}`);
  if (task.stories.length > 0) facts.push(`- User stories: ${task.stories.map((s) => `US${s}`).join(', ')}`);
  if (task.files.length > 0)
    facts.push(`- Files named by the task: ${task.files.map((f) => `\`${f}\``).join(', ')}`);
  if (task.dependsOn.length > 0) {
    facts.push(`- Depends on (already done on the base branch): ${task.dependsOn.join(', ')}`);
  }
  if (facts.length > 0) lines.push(...facts, '');
  lines.push(rulesSection(task));

  const sources: string[] = [];
  const blocks: string[] = [];
  const add = (rel: string) => {
    const full = locate(rel);
    if (!full || !statSync(full).isFile()) return;
    sources.push(rel);
    blocks.push(fileBlock(rel, readFileSync(full, 'utf8')));
  };
  const inFeature = (name: string) => (featureDir === '.' ? name : posix.join(featureDir, name));
  for (const name of ['spec.md', 'plan.md', 'data-model.md', 'research.md']) add(inFeature(name));
  const contracts = locate(inFeature('contracts'));
  if (contracts && statSync(contracts).isDirectory()) {
    for (const file of listFiles(contracts)) {
      add(posix.join(inFeature('contracts'), relative(contracts, file).split('\\').join('/')));
    }
  }
  add(inFeature('quickstart.md'));
  add('.specify/memory/constitution.md');
  if (blocks.length > 0) {
    lines.push('## Feature context', '', ...blocks);
  }
  return { text: `${lines.join('\n').replace(/\n+$/, '')}\n`, sources, delegation: false };
}
