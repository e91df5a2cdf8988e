import { describe, expect, it } from 'vitest';
import { parseTasks, prerequisites, readyTasks, TaskNotFoundError } from '../src/index.js';

const ready = (md: string, done: string[] = []) => readyTasks(parseTasks(md), done).map((t) => t.key);

const SPECKIT = [
  '## Phase 1: Setup',
  '- [ ] T001 Create structure',
  '- [ ] T002 [P] Configure linting in .eslintrc.json',
  '- [ ] T003 [P] Configure formatting in .prettierrc',
  '## Phase 2: Foundational',
  '- [ ] T004 Database schema in src/db/schema.sql',
  '## Phase 3: User Story 1 - A (Priority: P1)',
  '- [ ] T005 [P] [US1] Model in src/models/a.py',
  '- [ ] T006 [P] [US1] Model in src/models/b.py',
  '- [ ] T007 [US1] Service in src/services/a.py',
  '- [ ] T008 [US1] Endpoint in src/api/a.py',
  '## Phase 4: User Story 2 - B (Priority: P2)',
  '- [ ] T009 [US2] Model in src/models/c.py',
  '## Phase 5: Polish & Cross-Cutting Concerns',
  '- [ ] T010 [P] Docs in docs/README.md',
].join('\n');

describe('readyTasks', () => {
  it('gates phases: Setup → Foundational → stories (in parallel) → Polish', () => {
    expect(ready(SPECKIT)).toEqual(['T001']);
    expect(ready(SPECKIT, ['T001'])).toEqual(['T002', 'T003']);
    expect(ready(SPECKIT, ['T001', 'T002', 'T003'])).toEqual(['T004']);
    // A story phase waits for Foundational only, not for the other stories.
    expect(ready(SPECKIT, ['T001', 'T002', 'T003', 'T004'])).toEqual(['T005', 'T006', 'T009']);
    // A non-[P] task waits for the [P] run before it.
    expect(ready(SPECKIT, ['T001', 'T002', 'T003', 'T004', 'T005'])).toEqual(['T006', 'T009']);
    expect(ready(SPECKIT, ['T001', 'T002', 'T003', 'T004', 'T005', 'T006'])).toEqual(['T007', 'T009']);
    // Polish waits for every story.
    const allButPolish = ['T001', 'T002', 'T003', 'T004', 'T005', 'T006', 'T007', 'T008'];
    expect(ready(SPECKIT, allButPolish)).toEqual(['T009']);
    expect(ready(SPECKIT, [...allButPolish, 'T009'])).toEqual(['T010']);
  });

  it('counts done/skipped states in the file, accepts keys in done and returns partial tasks', () => {
    const md = '- [x] T001 a\n- [-] T002 b\n- [~] T003 c\n- [ ] T004 d\n';
    expect(ready(md)).toEqual(['T003']);
    expect(ready(md, ['T003'])).toEqual(['T004']);
  });

  it('follows explicit dependencies, including ranges, and they replace file order', () => {
    const md = [
      '- [ ] T001 a',
      '- [ ] T002 b (depends on T001)',
      '- [ ] T003 c',
      '  - Dependency: none',
      '- [ ] T004 d (depends on T001–T003)',
    ].join('\n');
    expect(ready(md)).toEqual(['T001', 'T003']);
    expect(ready(md, ['T001'])).toEqual(['T002', 'T003']);
    expect(ready(md, ['T001', 'T002'])).toEqual(['T003']);
    expect(ready(md, ['T001', 'T002', 'T003'])).toEqual(['T004']);
  });

  it('never runs two tasks naming the same file side by side, even when both say [P]', () => {
    const md = [
      '- [ ] T001 [P] Edit `src/app.ts`',
      '- [ ] T002 [P] Also edit src/app.ts',
      '- [ ] T003 [P] Other src/b.ts',
    ].join('\n');
    const g = parseTasks(md);
    expect(readyTasks(g).map((t) => t.id)).toEqual(['T001', 'T003']);
    expect(readyTasks(g, ['T001']).map((t) => t.id)).toEqual(['T002', 'T003']);
    expect(g.diagnostics).toEqual([
      expect.objectContaining({ severity: 'warning', code: 'file-conflict', line: 2 }),
    ]);
    expect(prerequisites(g, 'T002')).toEqual(['T001']);
  });

  it('orders same-file tasks across story phases too', () => {
    const md = [
      '## Phase 1: User Story 1 - A',
      '- [ ] T001 [US1] Edit src/shell.tsx',
      '## Phase 2: User Story 2 - B',
      '- [ ] T002 [US2] Edit src/shell.tsx',
      '- [ ] T003 [US2] Edit src/other.tsx',
    ].join('\n');
    expect(ready(md)).toEqual(['T001']);
    expect(ready(md, ['T001'])).toEqual(['T002']);
  });

  it('reports cycles and unknown ids without looping, and ignores unknown ids', () => {
    const md = [
      '- [ ] T001 a (depends on T002)',
      '- [ ] T002 b (depends on T001)',
      '- [ ] T003 c (depends on T999)',
    ].join('\n');
    const g = parseTasks(md);
    expect(g.diagnostics.map((d) => [d.severity, d.code, d.line])).toEqual([
      ['error', 'dependency-cycle', 1],
      ['warning', 'dangling-dependency', 3],
    ]);
    expect(g.diagnostics[0]!.message).toContain('T001, T002');
    expect(readyTasks(g).map((t) => t.id)).toEqual(['T003']);
    expect(readyTasks(g, ['T001']).map((t) => t.id)).toEqual(['T002', 'T003']);
  });

  it('detects a cycle formed by a forward reference and phase order', () => {
    const md = [
      '## Phase 1: Setup',
      '- [ ] T001 a (depends on T002)',
      '## Phase 2: Other',
      '- [ ] T002 b',
    ].join('\n');
    const g = parseTasks(md);
    expect(g.diagnostics).toEqual([expect.objectContaining({ code: 'dependency-cycle', line: 2 })]);
    expect(g.diagnostics[0]!.message).toMatch(/phase order/);
    expect(readyTasks(g)).toEqual([]);
  });

  it('handles a long dependency chain and a large cycle quickly', () => {
    const lines = Array.from(
      { length: 3000 },
      (_, i) => `- [ ] T${i + 1} t (depends on T${((i + 1) % 3000) + 1})`,
    );
    const g = parseTasks(lines.join('\n'));
    expect(g.diagnostics.filter((d) => d.code === 'dependency-cycle')).toHaveLength(1);
    expect(readyTasks(g)).toEqual([]);
  });
});

describe('prerequisites', () => {
  it('lists phase, explicit and order prerequisites by key, in document order', () => {
    const g = parseTasks(SPECKIT);
    expect(prerequisites(g, 'T001')).toEqual([]);
    expect(prerequisites(g, 'T003')).toEqual(['T001']);
    expect(prerequisites(g, 'T004')).toEqual(['T001', 'T002', 'T003']);
    expect(prerequisites(g, 'T007')).toEqual(['T001', 'T002', 'T003', 'T004', 'T005', 'T006']);
    expect(prerequisites(g, 'T009')).toEqual(['T001', 'T002', 'T003', 'T004']);
    expect(prerequisites(g, 'T010')).toEqual([
      'T001',
      'T002',
      'T003',
      'T004',
      'T005',
      'T006',
      'T007',
      'T008',
      'T009',
    ]);
  });

  it('resolves a duplicated id to the nearest task above and throws on unknown keys', () => {
    const g = parseTasks('- [ ] T01 a\n- [ ] T02 b\n- [ ] T01 c\n- [ ] T03 d (depends on T01)\n');
    expect(prerequisites(g, 'T03')).toEqual(['T01@3']);
    expect(() => prerequisites(g, 'T404')).toThrow(TaskNotFoundError);
  });

  it('works on a graph read back from JSON', () => {
    const g = JSON.parse(JSON.stringify(parseTasks(SPECKIT)));
    expect(prerequisites(g, 'T009')).toEqual(['T001', 'T002', 'T003', 'T004']);
    expect(readyTasks(g, ['T001']).map((t) => t.id)).toEqual(['T002', 'T003']);
  });
});
