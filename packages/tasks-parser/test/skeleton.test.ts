import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeSkeleton, type Skeleton, splitLines, truncateLine } from '../src/_source.js';
import { blocksOf } from '../src/_structure.js';

/** The structure remark sees for the full, unmodified text. */
const full = (lines: string[]): Skeleton => ({
  text: lines.join('\n'),
  orig: lines.map((_, i) => i),
  folded: new Map(),
});

const VOCAB = [
  '',
  '',
  '- [ ] T001 [P] [US1] Create `src/a.ts`',
  '- [x] **T002 [P]** bold',
  '- [X] T003 [SYNC] done',
  '* [ ] T004 star',
  '+ [~] T005 plus',
  ' - [x] T006 leading space',
  '- **T-007**: no checkbox',
  '- plain bullet text',
  '- a > b',
  '- <b>html</b> item',
  '- `code` first',
  '- [ ] ```not a fence```',
  '- - -',
  '- ',
  '-',
  '1. ordered',
  '2) ordered paren',
  '  - sub bullet',
  '  - Depends on: T001',
  '  continuation',
  '      deep continuation',
  '    1. numbered',
  '\t- tab sub',
  '\t> quote in item',
  '  ```',
  '   ```',
  '```',
  '```bash',
  '~~~',
  '# Task T005: "x"',
  '<!--',
  '-->',
  '<!-- one line -->',
  '<div>',
  '</div>',
  '> quote',
  '## Phase 1: Setup',
  '### Sub section',
  ' ## Phase 3.1: Old',
  'Setext title',
  '===',
  '---',
  '***',
  '___',
  '| ID | Task | Dependency |',
  '|----|------|------------|',
  '| ✅ T001 | Do | - |',
  'row without pipe',
  'Paragraph text here.',
  'T001: paragraph task',
  '**Checkpoint**: done',
  '[foo]: /url "title"',
  '[^1]: footnote',
  '    indented code',
  '\\- escaped',
  '&#42; entity',
  '🎯 emoji line',
];

const doc = fc.array(
  fc.oneof(
    { weight: 9, arbitrary: fc.constantFrom(...VOCAB) },
    { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
  ),
  { maxLength: 40 },
);

describe('skeleton', () => {
  it('cuts ordinary lines after their first letter and keeps structural lines whole', () => {
    expect(truncateLine('- [ ] T001 [P] Create x')).toBe('- [ ] T');
    expect(truncateLine('## Phase 1: Setup')).toBe('## P');
    expect(truncateLine('| a | b |')).toBe('| a | b |');
    expect(truncateLine('```bash')).toBe('```bash');
    expect(truncateLine('---')).toBe('---');
    expect(truncateLine('🎯 x')).toBe('🎯');
  });

  it('folds runs of one-line bullets (with their continuation lines) into the last one', () => {
    const lines = ['- [ ] T001 a', '  wrapped text', '- [ ] T002 b', '- [ ] T003 c', '', 'text'];
    const s = makeSkeleton(lines);
    expect(s.text).toBe('- [ ] T\n\nt');
    expect(s.folded.get(3)).toEqual([
      [0, 1],
      [2, 2],
    ]);
  });

  it('maps the end of an item whose unclosed fence swallows the next (folded) item marker (found by the property below)', () => {
    for (const lines of [
      ['- **T-007**: no checkbox', '  ```', '- [ ] ```not a fence```', '- [x] **T002 [P]** bold'],
      [' - [x] T006 leading space', '   ```', '- [x] **T002 [P]** bold', '- [X] T003 [SYNC] done'],
    ]) {
      expect(blocksOf(makeSkeleton(lines))).toEqual(blocksOf(full(lines)));
    }
  });

  it('gives remark the same block structure as the full text, on arbitrary markdown', () => {
    fc.assert(
      fc.property(doc, (lines) => {
        const text = lines.join('\n');
        const { lines: split } = splitLines(text);
        expect(blocksOf(makeSkeleton(split))).toEqual(blocksOf(full(split)));
      }),
      { numRuns: 1000 },
    );
  });
});
