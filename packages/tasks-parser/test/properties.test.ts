import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { markDone, parseTasks, readyTasks, type TaskGraph, TaskNotFoundError } from '../src/index.js';

const taskLine = fc
  .record({
    indent: fc.constantFrom('', ' ', '  '),
    bullet: fc.constantFrom('-', '*', '+'),
    state: fc.constantFrom(' ', ' ', 'x', 'X', '~', '-'),
    id: fc.integer({ min: 1, max: 40 }).map((n) => `T${String(n).padStart(3, '0')}`),
    bold: fc.boolean(),
    markers: fc.subarray(['[P]', '[SYNC]', '[ASYNC]', '[US1]', '[US2, US3]', '[FR-001]']),
    text: fc.constantFrom(
      'Create model in `src/models/user.py`',
      'Wire it',
      'Ship 🎯 it',
      'Edit src/app.ts (depends on T002)',
      'x',
    ),
    trailing: fc.constantFrom('', '  ', '\t', ' ✅'),
  })
  .map(
    (r) =>
      `${r.indent}${r.bullet} [${r.state}] ${r.bold ? `**${r.id}**` : r.id} ${r.markers.join(' ')} ${r.text}${r.trailing}`,
  );

const otherLine = fc.constantFrom(
  '',
  '## Phase 1: Setup',
  '## Phase 3: User Story 1 - Login (Priority: P1) 🎯 MVP',
  '### Tests',
  '  - Dependency: T001',
  '```',
  '<!-- note -->',
  '**Checkpoint**: ok',
  '- [ ] no id here',
  'Paragraph.',
);

const tasksMd = fc
  .tuple(
    fc.array(fc.oneof({ weight: 3, arbitrary: taskLine }, { weight: 2, arbitrary: otherLine }), {
      minLength: 1,
      maxLength: 30,
    }),
    fc.constantFrom('\n', '\r\n'),
    fc.boolean(),
  )
  .map(([lines, eol, finalEol]) => lines.join(eol) + (finalEol ? eol : ''));

const withoutTask = (g: TaskGraph, key: string) => ({
  ...g,
  tasks: g.tasks.map((t) => (t.key === key ? { ...t, state: 'X', raw: 'X' } : t)),
});

describe('properties', () => {
  it('parseTasks never throws on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => {
        const g = parseTasks(s);
        expect(Array.isArray(g.tasks)).toBe(true);
        readyTasks(g);
      }),
      { numRuns: 300 },
    );
  });

  it('parseTasks never throws on arbitrary markdown-like text and keeps raw lines exact', () => {
    fc.assert(
      fc.property(tasksMd, (md) => {
        const g = parseTasks(md);
        const lines = md.split(/\r\n|\n/);
        for (const t of g.tasks) expect(lines[t.line - 1]).toBe(t.raw);
        readyTasks(g, ['T001']);
      }),
      { numRuns: 300 },
    );
  });

  it('markDone changes exactly one character, the checkbox, and parse differs only in that task', () => {
    fc.assert(
      fc.property(tasksMd, fc.nat(), (md, pick) => {
        const before = parseTasks(md);
        const markable = before.tasks.filter((t) => t.checkbox !== null && t.state !== 'done');
        fc.pre(markable.length > 0);
        const target = markable[pick % markable.length]!;
        const out = markDone(md, target.key);
        expect(out.length).toBe(md.length);
        const diff: number[] = [];
        for (let i = 0; i < md.length; i++) if (md.charCodeAt(i) !== out.charCodeAt(i)) diff.push(i);
        expect(diff).toHaveLength(1);
        expect(['x', 'X']).toContain(out[diff[0]!]);
        const after = parseTasks(out);
        const changed = after.tasks.find((t) => t.key === target.key)!;
        expect(changed.state).toBe('done');
        expect(changed.raw.length).toBe(target.raw.length);
        expect(withoutTask(after, target.key)).toEqual(withoutTask(before, target.key));
      }),
      { numRuns: 300 },
    );
  });

  it('markDone leaves done tasks alone and throws a coded error on unknown keys', () => {
    const md = '- [x] T001 a\r\n- [ ] T002 b  \r\n';
    expect(markDone(md, 'T001')).toBe(md);
    expect(markDone(md, 'T002')).toBe('- [x] T001 a\r\n- [x] T002 b  \r\n');
    expect(markDone('- [ ] T001 a\n', 'T001')).toBe('- [X] T001 a\n');
    expect(() => markDone(md, 'T404')).toThrow(TaskNotFoundError);
    expect(() => markDone(md, 'T404')).toThrow(expect.objectContaining({ code: 'E_TASK_NOT_FOUND' }));
    expect(() => markDone('- [ ] T01 a\n- [ ] T01 b\n', 'T01')).toThrow(
      expect.objectContaining({ code: 'E_TASK_AMBIGUOUS' }),
    );
    expect(markDone('- [ ] T01 a\n- [ ] T01 b\n', 'T01@2')).toBe('- [ ] T01 a\n- [X] T01 b\n');
  });
});
