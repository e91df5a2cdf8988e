import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { markDone, parseTasks, readyTasks, type TaskGraph } from '../src/index.js';

const DIR = fileURLToPath(new URL('./fixtures/', import.meta.url));
const FILES = readdirSync(DIR)
  .filter((f) => f.endsWith('.md'))
  .sort();
const read = (name: string): string => readFileSync(DIR + name, 'utf8');
const parse = (name: string): TaskGraph => parseTasks(read(name), { path: `test/fixtures/${name}` });
const task = (g: TaskGraph, key: string) => {
  const t = g.tasks.find((x) => x.key === key);
  if (t === undefined) throw new Error(`no task ${key}`);
  return t;
};
const perPhase = (g: TaskGraph) => g.phases.map((p) => g.tasks.filter((t) => t.phase === p.index).length);
const codes = (g: TaskGraph, severity?: string) =>
  g.diagnostics
    .filter((d) => severity === undefined || d.severity === severity)
    .map((d) => `${d.code}@${d.line}`);
const ready = (g: TaskGraph) => readyTasks(g).map((t) => t.key);

describe('fixtures', () => {
  it('holds every shared spec-kit sample, each with its source line', () => {
    expect(FILES).toHaveLength(11);
    for (const f of FILES) expect(read(f).split('\n')[0]).toMatch(/^<!-- source: \S+\/\S+ specs\//);
  });

  it.each(FILES)('%s matches its snapshot and has no error unless malformed', (name) => {
    const g = parse(name);
    expect(g).toMatchSnapshot();
    const malformed = ['michab23__pr-review-agent__tasks.md', 'dkirby-ms__tilemud__tasks.md'];
    if (!malformed.includes(name)) expect(codes(g, 'error')).toEqual([]);
    // Every task line is exactly a source line.
    const lines = read(name).split(/\r?\n/);
    for (const t of g.tasks) expect(lines[t.line - 1]).toBe(t.raw);
  });
});

describe('microsoft events explorer (canonical upstream format)', () => {
  const g = parse('microsoft__CommunityManagement-Sample-Spec-Kit__tasks.md');
  it('reads 13 phases and 84 tasks, the "DEFERRED" heading suffixes and the extra Phase 13', () => {
    expect(perPhase(g)).toEqual([7, 11, 11, 5, 9, 7, 5, 4, 3, 2, 2, 6, 12]);
    expect(g.phases[2]).toMatchObject({ kind: 'story', story: 1, priority: 'P1', mvp: true, line: 74 });
    expect(g.phases[9]).toMatchObject({ kind: 'story', story: 8, priority: 'P3', mvp: false });
    expect(g.phases[9]!.title).toMatch(/— DEFERRED$/);
    expect(g.phases[12]).toMatchObject({ number: '13', kind: 'other', priority: null });
  });
  it('reads mixed [X]/[ ] and [US5a]-style story tags; the Parallel Example fences are not tasks', () => {
    expect(g.tasks.filter((t) => t.state === 'open').map((t) => t.id)).toEqual([
      'T021',
      'T037',
      'T046',
      'T063',
      'T064',
      'T065',
      'T066',
    ]);
    expect(task(g, 'T019')).toMatchObject({ state: 'done', parallel: true, stories: [1], mode: 'unmarked' });
    expect(task(g, 'T077')).toMatchObject({ stories: [5], parallel: true });
    expect(task(g, 'T012').files).toEqual(['apps/web/src/hooks/useExplorerFilters.ts']);
    expect(g.tasks.filter((t) => t.id === 'T008')).toHaveLength(1);
  });
  it('orders same-file tasks of parallel stories and lists what is ready', () => {
    expect(codes(g)).toEqual([
      'file-conflict@120',
      'file-conflict@147',
      'file-conflict@171',
      'file-conflict@193',
      'file-conflict@215',
      'file-conflict@236',
      'file-conflict@286',
    ]);
    expect(ready(g)).toEqual(['T021', 'T037', 'T046', 'T063', 'T065']);
  });
});

describe('kfinkels holiday meal planner (fork [SYNC]/[ASYNC] format)', () => {
  const g = parse('kfinkels__holiday-meal-planner__tasks.md');
  it('reads phases, modes and stories', () => {
    expect(g.feature).toBeNull();
    expect(perPhase(g)).toEqual([5, 6, 9, 5, 6, 6]);
    expect(g.phases.map((p) => p.kind)).toEqual([
      'setup',
      'foundational',
      'story',
      'story',
      'story',
      'polish',
    ]);
    expect(task(g, 'T012')).toMatchObject({ parallel: true, mode: 'sync', stories: [1], state: 'done' });
    expect(task(g, 'T032')).toMatchObject({
      parallel: true,
      mode: 'async',
      stories: [],
      state: 'open',
      phase: 6,
    });
    // The file's "Task Classification Summary" (25/12) is stale; the task lines say 17/20.
    expect(g.tasks.filter((t) => t.mode === 'sync')).toHaveLength(17);
    expect(g.tasks.filter((t) => t.mode === 'async')).toHaveLength(20);
    expect(task(g, 'T004').files).toEqual(['.gitignore']);
  });
  it('warns about formatters.py/commands.py edited by two stories and sequences Polish', () => {
    expect(codes(g)).toEqual(['file-conflict@100', 'file-conflict@101']);
    expect(ready(g)).toEqual(['T032', 'T033', 'T034']);
    expect(readyTasks(g, ['T032', 'T033', 'T034']).map((t) => t.id)).toEqual(['T035']);
  });
  it('uses the feature folder when the path is known', () => {
    expect(
      parseTasks(read('kfinkels__holiday-meal-planner__tasks.md'), {
        path: 'specs/001-holiday-meal-planner/tasks.md',
      }).feature,
    ).toBe('001-holiday-meal-planner');
  });
});

describe('michab23 pr-review-agent (blank lines, nested sub-bullets, broken ids)', () => {
  const g = parse('michab23__pr-review-agent__tasks.md');
  it('keeps the repeated T01 tasks keyed by line and reports exactly those lines as errors', () => {
    expect(g.tasks).toHaveLength(19);
    expect(codes(g, 'error')).toEqual(
      [83, 102, 104, 118, 120, 128, 129, 130, 131].map((l) => `duplicate-id@${l}`),
    );
    expect(g.tasks.filter((t) => t.id === 'T01').map((t) => t.key)[0]).toBe('T01@81');
    expect(task(g, 'T00')).toMatchObject({ line: 79, stories: [1], mode: 'sync', parallel: true });
  });
  it('collects 2-space sub-bullets and 4-space numbered lists into the body', () => {
    expect(task(g, 'T006').body).toHaveLength(4);
    const t7 = task(g, 'T007');
    expect(t7.body[0]).toMatch(/^- Module-level `_tasks/);
    expect(t7.body).toContain(
      '1. Cancel in-flight task for `pr_key` if exists: set `_stop_flags[pr_key]`, cancel task, `await asyncio.sleep(0)`',
    );
    expect(t7.files).toEqual(['src/webhook/runner.py']);
  });
  it('drops the "Phase 3 — US1 parallelizable tasks" heading of the examples section', () => {
    expect(g.phases.map((p) => p.number)).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(perPhase(g)).toEqual([3, 1, 7, 2, 2, 4]);
  });
  it('writes lowercase x, the style the file already uses', () => {
    const md = read('michab23__pr-review-agent__tasks.md').replace('- [x] T004 [SYNC]', '- [ ] T004 [SYNC]');
    const out = markDone(md, 'T004');
    expect(out).toBe(read('michab23__pr-review-agent__tasks.md'));
  });
});

describe('mconstant pay2slay2 003 (old Phase 3.x format, leading spaces)', () => {
  const g = parse('mconstant__pay2slay2__tasks.md');
  it('reads " ## Phase 3.1" and " - [x] T001" with their leading space', () => {
    expect(g.phases[0]).toMatchObject({
      number: '3.1',
      title: 'Setup & Scaffolding',
      kind: 'setup',
      line: 20,
    });
    expect(task(g, 'T001')).toMatchObject({ line: 21, column: 8, checkbox: 5, state: 'done' });
    expect(g.tasks).toHaveLength(61);
    expect(g.tasks.every((t) => t.state === 'done')).toBe(true);
  });
  it('makes the Maintenance section an unnumbered phase and ignores fenced id lists', () => {
    const last = g.phases[g.phases.length - 1]!;
    expect(last).toMatchObject({ number: null, title: 'Maintenance / Post-Completion Tasks', kind: 'other' });
    expect(task(g, 'T061').phase).toBe(last.index);
    expect(perPhase(g)).toEqual([5, 6, 4, 3, 4, 5, 4, 4, 11, 14, 1]);
    expect(task(g, 'T003').body).toHaveLength(3);
    expect(g.diagnostics).toEqual([]);
  });
});

describe('mconstant pay2slay2 001 @ecbf545 (Dependency: sub-bullets, trailing [P], [conditional])', () => {
  const g = parse('mconstant__pay2slay2__001-pay2slay-faucet-ecbf545__tasks.md');
  it('reads per-task Dependency: lines with en-dash ranges and "none"', () => {
    expect(task(g, 'T001')).toMatchObject({ dependsOn: [], declaresDeps: true });
    expect(task(g, 'T001').body).toHaveLength(3);
    expect(task(g, 'T011').dependsOn).toEqual(['T006', 'T007', 'T008']);
    expect(task(g, 'T022').dependsOn).toEqual(['T019', 'T020', 'T021']);
  });
  it('reads [P] at the end and keeps [conditional] as a tag', () => {
    expect(task(g, 'T016')).toMatchObject({
      parallel: true,
      title: 'Models in `src/models/`',
      files: ['src/models/'],
    });
    expect(task(g, 'T029')).toMatchObject({
      tags: ['conditional'],
      title: 'Artifact signing & verification',
    });
    expect(codes(g)).toEqual([
      'unknown-marker@135',
      ...[160, 161, 162, 163, 164, 165].map((l) => `missing-id@${l}`),
    ]);
    expect(g.diagnostics.filter((d) => d.code === 'missing-id').every((d) => d.severity === 'info')).toBe(
      true,
    );
    expect(ready(g)).toEqual(['T003', 'T005']);
  });
});

describe('mconstant pay2slay2 001 @aa6a9c3 ([~] partial, tab-indented sub-bullets, phases after Notes)', () => {
  const g = parse('mconstant__pay2slay2__001-pay2slay-faucet-aa6a9c3__tasks.md');
  it('reads [~] as partial and the tab-indented body', () => {
    expect(g.tasks.filter((t) => t.state === 'partial').map((t) => t.id)).toEqual([
      'T011',
      'T012',
      'T014',
      'T022',
      'T024',
      'T029',
      'T032',
      'T037',
    ]);
    expect(task(g, 'T032').body).toHaveLength(7);
    expect(task(g, 'T032').body[0]).toBe(
      '- DONE: HTTP client (httpx), token-bucket rate limiting, dry_run path, delta computation from lifetime kills',
    );
    expect(task(g, 'T018').files).toEqual(['src/lib/config.py']);
    expect(g.tasks).toHaveLength(62);
    expect(perPhase(g)).toEqual([5, 12, 19, 8, 10, 4, 4]);
    expect(g.diagnostics).toEqual([]);
    expect(ready(g)).toEqual(['T005']);
  });
});

describe('dkirby-ms tilemud', () => {
  it('001: bold ids with markers inside the bold; prose dependency bullets are not tasks', () => {
    const g = parse('dkirby-ms__tilemud__001-persistent-character-creation__tasks.md');
    expect(g.tasks).toHaveLength(35);
    expect(perPhase(g)).toEqual([4, 8, 13, 3, 7]);
    expect(task(g, 'T005')).toMatchObject({ parallel: true, state: 'done', column: 9, line: 14 });
    expect(task(g, 'T005').title).toMatch(
      /^Author failing contract test for \*\*GET\*\* `\/api\/catalog\/archetypes`/,
    );
    expect(task(g, 'T005').files).toEqual(['web-client/tests/contract/catalog.get.spec.ts']);
    expect(task(g, 'T017').parallel).toBe(false);
    expect(g.diagnostics).toEqual([]);
    expect(ready(g)).toEqual([]);
  });

  it('003: "T001: Title" paragraphs without bullet or checkbox, Dependency: bullets, "All prior tasks"', () => {
    const g = parse('dkirby-ms__tilemud__003-the-developer-needs__tasks.md');
    expect(g.tasks).toHaveLength(35);
    expect(g.tasks.every((t) => t.checkbox === null && t.state === 'open')).toBe(true);
    expect(g.phases.map((p) => [p.number, p.kind])).toEqual([
      [null, 'setup'],
      [null, 'other'],
      [null, 'other'],
      [null, 'other'],
      [null, 'other'],
      [null, 'other'],
      [null, 'other'],
      [null, 'polish'],
      [null, 'other'],
    ]);
    expect(task(g, 'T002')).toMatchObject({ dependsOn: ['T001'], line: 32, column: 1 });
    expect(task(g, 'T002').files).toContain('infrastructure/docker-compose.dev.yml');
    expect(task(g, 'T003')).toMatchObject({
      parallel: true,
      title: 'Expand integration test coverage for acceptance scenarios',
    });
    expect(task(g, 'T033').dependsOn).toHaveLength(32);
    expect(new Set(g.diagnostics.map((d) => d.code))).toEqual(new Set(['no-checkbox']));
    expect(ready(g)).toEqual(['T001']);
    expect(() => markDone(read('dkirby-ms__tilemud__003-the-developer-needs__tasks.md'), 'T001')).toThrow(
      expect.objectContaining({ code: 'E_TASK_NO_CHECKBOX' }),
    );
  });

  it('004: inline (Depends on: …), "—" for none, tab-indented sub-items, phases after the checklist', () => {
    const g = parse('dkirby-ms__tilemud__004-i-want-to__tasks.md');
    expect(g.tasks).toHaveLength(83);
    expect(perPhase(g)).toEqual([5, 18, 30, 7, 9, 3, 2, 9]);
    expect(task(g, 'T001')).toMatchObject({ dependsOn: [], declaresDeps: true });
    expect(task(g, 'T001').title).toBe(
      'Create migration `infrastructure/migrations/002_game_backend.sql` defining tables `players`, `rulesets`, `battle_outcomes`, `private_messages`',
    );
    expect(task(g, 'T070').dependsOn).toEqual([
      'T061',
      'T062',
      'T063',
      'T064',
      'T065',
      'T066',
      'T067',
      'T068',
      'T069',
    ]);
    expect(task(g, 'T006').body).toHaveLength(6);
    expect(task(g, 'T006').files).toContain('server/tests/contract/errors.catalog.get.spec.ts');
    // T047 depends on the later T051: explicit dependencies replace file order, so this is not a cycle.
    expect(task(g, 'T047').dependsOn).toEqual(['T051']);
    expect(g.diagnostics).toEqual([]);
    expect(ready(g)).toEqual(['T075', 'T076', 'T077', 'T078', 'T079', 'T080', 'T081', 'T082', 'T083']);
  });

  it('002: table rows with ✅ done marks, dependency and parallel columns; a duplicated section is malformed', () => {
    const g = parse('dkirby-ms__tilemud__tasks.md');
    expect(g.tasks).toHaveLength(42);
    expect(task(g, 'T001')).toMatchObject({
      state: 'done',
      parallel: true,
      title: 'Create feature folders',
      line: 30,
      column: 5,
    });
    expect(task(g, 'T002')).toMatchObject({ parallel: false, dependsOn: ['T001'], checkbox: null });
    expect(task(g, 'T029')).toMatchObject({ state: 'done', title: 'Accessibility review' });
    expect(task(g, 'T031').dependsOn).toEqual(['T020', 'T012', 'T013', 'T014', 'T015']);
    expect(task(g, 'T005')).toMatchObject({ dependsOn: [], declaresDeps: true });
    expect(codes(g, 'error')).toEqual([74, 75, 76, 77].map((l) => `duplicate-id@${l}`));
    expect(task(g, 'T025@74').state).toBe('open');
    expect(ready(g)).toEqual(['T025@74']);
    expect(codes(g, 'info').filter((c) => c.startsWith('missing-id'))).toHaveLength(5);
  });
});

describe('tikalk agentic-sdlc-spec-kit (bold hyphenated ids without checkbox, struck-out tasks)', () => {
  const g = parse('tikalk__agentic-sdlc-spec-kit__tasks.md');
  it('reads "- **T-001**: …" items and "~~…~~ — REMOVED" as skipped', () => {
    expect(g.tasks).toHaveLength(24);
    expect(task(g, 'T-001')).toMatchObject({ checkbox: null, state: 'open', column: 5 });
    expect(task(g, 'T-001').body).toHaveLength(3);
    expect(g.tasks.filter((t) => t.state === 'skipped').map((t) => t.id)).toEqual([
      'T-007',
      'T-008',
      'T-009',
      'T-010',
      'T-012',
      'T-015',
      'T-016',
    ]);
    expect(task(g, 'T026')).toMatchObject({ state: 'done', checkbox: 4 });
    expect(perPhase(g)).toEqual([6, 4, 4, 5, 2, 3]);
    expect(ready(g)).toEqual(['T-001']);
  });
});
