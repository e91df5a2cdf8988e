import { describe, expect, it } from 'vitest';
import { featureFromPath, findTasks, parseTasks } from '../src/index.js';

const one = (md: string) => {
  const g = parseTasks(md);
  expect(g.tasks).toHaveLength(1);
  return g.tasks[0]!;
};

describe('task lines', () => {
  it('reads the upstream form', () => {
    const t = one(
      '## Phase 3: User Story 1 - Login (Priority: P1)\n\n- [ ] T012 [P] [US1] Create User model in src/models/user.py\n',
    );
    expect(t).toMatchObject({
      id: 'T012',
      key: 'T012',
      title: 'Create User model in src/models/user.py',
      line: 3,
      column: 7,
      state: 'open',
      parallel: true,
      stories: [1],
      mode: 'unmarked',
      tags: [],
      files: ['src/models/user.py'],
      phase: 1,
      checkbox: 4,
      raw: '- [ ] T012 [P] [US1] Create User model in src/models/user.py',
    });
  });

  it('reads the fork form with [SYNC]/[ASYNC] and markers in any order or at the end', () => {
    const g = parseTasks(
      [
        '- [ ] T003 [P] [ASYNC] Configure linting',
        '- [ ] T014 [SYNC] [US1] Implement service (depends on T012, T013)',
        '- [ ] T015 [US2] [ASYNC] [P] Reordered markers',
        '- [ ] T016 Models in `src/models/` [P] [ASYNC]',
        '- [x] **T005 [P]** Bold id with markers inside',
        '- [X] **T006** [P] [US1, US2] [Cassius] Owner tag',
        '- [ ] T007 [US-1] Hyphenated story',
        '- [ ] T008 [FR-001][FR-002] Requirement tags',
      ].join('\n'),
    );
    const [t3, t14, t15, t16, t5, t6, t7, t8] = g.tasks;
    expect(t3).toMatchObject({ parallel: true, mode: 'async', title: 'Configure linting' });
    expect(t14).toMatchObject({
      mode: 'sync',
      stories: [1],
      dependsOn: ['T012', 'T013'],
      title: 'Implement service',
    });
    expect(t15).toMatchObject({ parallel: true, mode: 'async', stories: [2], title: 'Reordered markers' });
    expect(t16).toMatchObject({
      parallel: true,
      mode: 'async',
      title: 'Models in `src/models/`',
      files: ['src/models/'],
    });
    expect(t5).toMatchObject({
      id: 'T005',
      parallel: true,
      state: 'done',
      title: 'Bold id with markers inside',
      column: 9,
    });
    expect(t6).toMatchObject({ stories: [1, 2], tags: ['Cassius'], state: 'done', parallel: true });
    expect(t7!.stories).toEqual([1]);
    expect(t8!.tags).toEqual(['FR-001', 'FR-002']);
    expect(g.diagnostics.map((d) => [d.code, d.line])).toEqual([
      ['dangling-dependency', 2],
      ['dangling-dependency', 2],
      ['unknown-marker', 6],
    ]);
  });

  it('reads every checkbox state and * / + bullets, tabs and CRLF', () => {
    const g = parseTasks(
      '* [ ] T001 a\r\n+ [x] T002 b\r\n-\t[X]\tT003 c\r\n- [~] T004 d\r\n- [-] T005 e\r\n',
    );
    expect(g.tasks.map((t) => [t.id, t.state, t.title])).toEqual([
      ['T001', 'open', 'a'],
      ['T002', 'done', 'b'],
      ['T003', 'done', 'c'],
      ['T004', 'partial', 'd'],
      ['T005', 'skipped', 'e'],
    ]);
    expect(g.tasks[0]!.raw).toBe('* [ ] T001 a');
  });

  it('accepts a leading space, emoji and dotted/suffixed/hyphenated ids', () => {
    const g = parseTasks(
      ' - [x] T006 🎯 Ship it\n- [ ] T012a Suffix\n- [ ] T1.1 Dotted\n- [ ] TDD-R01 [RISK] Risk\n',
    );
    expect(g.tasks.map((t) => t.id)).toEqual(['T006', 'T012a', 'T1.1', 'TDD-R01']);
    expect(g.tasks[0]).toMatchObject({ column: 8, title: '🎯 Ship it' });
    expect(g.tasks[3]!.tags).toEqual(['RISK']);
  });

  it('ignores code fences and HTML comments', () => {
    const g = parseTasks(
      [
        '<!--',
        '- [ ] T900 inside a comment',
        '-->',
        '```bash',
        '# Phase 9: not a heading',
        '- [ ] T901 inside a fence',
        'Task T005: "Contract test"',
        '```',
        '~~~',
        '- [ ] T902 tilde fence',
        '~~~',
        '- [ ] T001 real',
      ].join('\n'),
    );
    expect(g.tasks.map((t) => t.id)).toEqual(['T001']);
    expect(g.phases).toEqual([]);
  });

  it('reports a checkbox line without an id and a [P] bullet is not a checkbox', () => {
    const g = parseTasks(
      '## Phase 1: Setup\n- [ ] TXXX Documentation updates\n- [P] tasks = different files\n',
    );
    expect(g.tasks).toEqual([]);
    expect(g.diagnostics.map((d) => [d.severity, d.code, d.line, d.column])).toEqual([
      ['info', 'no-tasks', 1, 1],
      ['warning', 'missing-id', 2, 7],
    ]);
  });

  it('reports [SYNC] together with [ASYNC] and treats the task as sync', () => {
    const g = parseTasks('- [ ] T001 [SYNC] [ASYNC] Both\n');
    expect(g.tasks[0]!.mode).toBe('sync');
    expect(g.diagnostics).toEqual([
      expect.objectContaining({ severity: 'warning', code: 'conflicting-mode', line: 1, column: 7 }),
    ]);
    expect(g.diagnostics[0]!.message).toMatch(/Keep only one/);
  });

  it('keeps duplicate ids keyed by line and reports them', () => {
    const g = parseTasks('- [ ] T01 a\n- [ ] T01 b\n- [ ] T02 c (depends on T01)\n');
    expect(g.tasks.map((t) => t.key)).toEqual(['T01@1', 'T01@2', 'T02']);
    expect(g.diagnostics).toEqual([
      expect.objectContaining({ severity: 'error', code: 'duplicate-id', line: 2 }),
    ]);
    expect(findTasks(g, 't01').map((t) => t.key)).toEqual(['T01@1', 'T01@2']);
    expect(findTasks(g, 'T01@2').map((t) => t.title)).toEqual(['b']);
  });

  it('collects indented sub-items as body, with Depends on:/Dependency: and File: lines', () => {
    const g = parseTasks(
      [
        '- [ ] T010 Build thing',
        '  - Depends on: T006–T008',
        '  - File: `src/thing.ts`',
        '\t- tab indented note',
        '    1. numbered',
        '- [ ] T011 Next',
        '      - Dependency: none',
      ].join('\n'),
    );
    const [a, b] = g.tasks;
    expect(a!.body).toEqual([
      '- Depends on: T006–T008',
      '- File: `src/thing.ts`',
      '- tab indented note',
      '1. numbered',
    ]);
    expect(a!.dependsOn).toEqual(['T006', 'T007', 'T008']);
    expect(a!.files).toEqual(['src/thing.ts']);
    expect(b).toMatchObject({ dependsOn: [], declaresDeps: true });
  });

  it('expands ranges with hyphen, en dash and em dash and reads inline dependency forms', () => {
    const g = parseTasks(
      [
        '- [ ] T001 a (Depends on: T002, T003)',
        '- [ ] T002 b (depends on T006-T008)',
        '- [ ] T003 c **Depends on**: T014.',
        '- [ ] T004 d (Depends on: —)',
        '- [ ] T005 e (after tests are failing)',
      ].join('\n'),
    );
    expect(g.tasks.map((t) => [t.dependsOn, t.declaresDeps])).toEqual([
      [['T002', 'T003'], true],
      [['T006', 'T007', 'T008'], true],
      [['T014'], true],
      [[], true],
      [[], false],
    ]);
    expect(g.tasks[2]!.title).toBe('c');
    expect(g.tasks[4]!.title).toBe('e (after tests are failing)');
    expect(g.diagnostics.filter((d) => d.code === 'dangling-dependency').map((d) => d.line)).toEqual([
      2, 2, 2, 3,
    ]);
  });

  it('treats a fully struck-through task as skipped', () => {
    const g = parseTasks('- **T-007**: ~~Add option~~ — REMOVED: not needed\n- [ ] T008 ~~partly~~ struck\n');
    expect(g.tasks[0]).toMatchObject({
      id: 'T-007',
      state: 'skipped',
      checkbox: null,
      title: 'Add option — REMOVED: not needed',
    });
    expect(g.tasks[1]).toMatchObject({ state: 'open', title: '~~partly~~ struck' });
  });

  it('extracts file paths but not API routes, packages or prose', () => {
    const t = one(
      '- [ ] T001 Contract test for **GET** `/api/catalog/archetypes` in `web-client/tests/contract/catalog.get.spec.ts`, update README.md, `.env.example`, Node.js, eslint/prettier, `@azure/msal-browser` and `shared_infra.py:297-298`',
    );
    expect(t.files).toEqual([
      'web-client/tests/contract/catalog.get.spec.ts',
      '.env.example',
      'shared_infra.py',
      'README.md',
    ]);
  });
});

describe('phases', () => {
  it('classifies phase headings, stories, priorities and MVP', () => {
    const g = parseTasks(
      [
        '# Tasks: X',
        '## Phase 1: Setup (Shared Infrastructure)',
        '## Phase 2: Foundational (Blocking Prerequisites)',
        '## Phase 3: User Story 1 - Browse (Priority: P1) 🎯 MVP',
        '## Phase 4: User Story 2 — Filter (Priority: P2)',
        '## Phase N: Polish & Cross-Cutting Concerns',
        '## Phase 3.1: Setup',
        '## Phase 7: Convergence',
      ].join('\n'),
    );
    expect(g.phases.map((p) => [p.number, p.kind, p.story, p.priority, p.mvp, p.line])).toEqual([
      ['1', 'setup', null, null, false, 2],
      ['2', 'foundational', null, null, false, 3],
      ['3', 'story', 1, 'P1', true, 4],
      ['4', 'story', 2, 'P2', false, 5],
      ['N', 'polish', null, null, false, 6],
      ['3.1', 'setup', null, null, false, 7],
      ['7', 'other', null, null, false, 8],
    ]);
    expect(g.phases[2]!.title).toBe('User Story 1 - Browse (Priority: P1) 🎯 MVP');
  });

  it('ends a phase at a sibling heading and turns a plain section holding tasks into an unnumbered phase', () => {
    const g = parseTasks(
      [
        '## Phase 1: Setup',
        '### Tests for Setup',
        '- [ ] T001 a',
        '## Notes',
        '- [P] tasks = different files',
        '## Maintenance Tasks',
        '- [ ] T002 b',
        '## Phase 3.8: After the notes',
        '- [ ] T003 c',
      ].join('\n'),
    );
    expect(g.phases.map((p) => [p.index, p.number, p.title, p.kind])).toEqual([
      [1, '1', 'Setup', 'setup'],
      [2, null, 'Maintenance Tasks', 'other'],
      [3, '3.8', 'After the notes', 'other'],
    ]);
    expect(g.tasks.map((t) => t.phase)).toEqual([1, 2, 3]);
  });

  it('puts tasks before any section heading in no phase', () => {
    expect(parseTasks('# Tasks\n- [ ] T001 a\n').tasks[0]!.phase).toBeNull();
  });
});

describe('featureFromPath', () => {
  it.each([
    ['specs/001-holiday-meal-planner/tasks.md', '001-holiday-meal-planner'],
    ['/repo/specs/010-events-explorer/tasks.md', '010-events-explorer'],
    ['C:\\repo\\specs\\003-x\\tasks.md', '003-x'],
    ['specs/004-y/', '004-y'],
    ['tasks.md', null],
    ['specs/001-x/contracts/api.yaml', null],
  ])('%s → %s', (path, feature) => {
    expect(featureFromPath(path)).toBe(feature);
  });

  it('fills graph.path and graph.feature', () => {
    const g = parseTasks('- [ ] T001 a', { path: 'specs/002-logout/tasks.md' });
    expect([g.path, g.feature]).toEqual(['specs/002-logout/tasks.md', '002-logout']);
  });
});
