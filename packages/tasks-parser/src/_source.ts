/**
 * Source lines and the "skeleton" handed to remark.
 *
 * micromark costs roughly 1–3 µs per character and ~40 µs per block on a busy machine, far too slow for a
 * 10,000-task file. Block structure (which lines are headings, list items, paragraphs, tables, code, HTML)
 * only depends on how each line *starts*, except for a few constructs that look at the whole line. The
 * skeleton therefore:
 *
 * 1. keeps every line that contains `<`, `>`, `|` or `]:` unchanged (HTML starts/ends, block quotes,
 *    tables, link and footnote definitions), and every line without a letter (blank lines, thematic breaks,
 *    setext underlines, fences);
 * 2. cuts every other line just after its first letter (`- [ ] T001 …` → `- [ ] T`), unless that prefix
 *    holds a backtick or tilde (a fence opener), in which case it is kept whole;
 * 3. folds a run of consecutive single-line bullets (`- x` at column 0, same bullet, content not starting
 *    with a block-level character, no `>`, plus indented continuation lines that do not start a nested
 *    list item) into its last line, remembering the run. Each folded line is
 *    necessarily its own one-line list item, or shares the last line's code/HTML context.
 *
 * The property test `skeleton.test.ts` checks that the block tree of the skeleton equals the block tree of
 * the full text on arbitrary markdown.
 */

export interface SourceLines {
  /** Lines without their line endings (`\r\n`, `\n` or `\r`); a leading BOM is not part of line 1. */
  lines: string[];
  /** Offset of each line's first character in the original string. */
  starts: number[];
}

export function splitLines(text: string): SourceLines {
  const lines: string[] = [];
  const starts: number[] = [];
  let start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const re = /\r\n|\n|\r/g;
  re.lastIndex = start;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    lines.push(text.slice(start, m.index));
    starts.push(start);
    start = m.index + m[0].length;
  }
  lines.push(text.slice(start));
  starts.push(start);
  return { lines, starts };
}

export interface Skeleton {
  text: string;
  /** 0-based skeleton line → 0-based original line. */
  orig: number[];
  /**
   * 0-based original line of a kept list item → the [first, last] original lines of the items folded into
   * it (each folded item is a one-line bullet plus its indented continuation lines).
   */
  folded: Map<number, Array<[number, number]>>;
}

const WHOLE = /[<>|]|\]:/;
const LETTER = /[A-Za-z\u0080-\uffff]/;
const FENCE_CHAR = /[`~]/;
const RUN_LINE = /^([-*+]) [^\s`~<>#|=_*+\-[\]!\d\\&]/;
const RUN_CHECKBOX = /^([-*+]) \[[ xX~-]\] \S/;
const HAS_WORD = /[A-Za-z0-9]/;
/** A continuation line that stays inside the item above it whatever that item holds. */
const CONTINUATION = /^(?: {2,}|\t)[ \t]*[^\s`~<]/;
/** Nested list items are blocks of their own, so they end a foldable unit. */
const NESTED_ITEM = /^[ \t]*(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)/;

export function truncateLine(line: string): string {
  if (WHOLE.test(line)) return line;
  const m = LETTER.exec(line);
  if (m === null) return line;
  let end = m.index + 1;
  const code = line.charCodeAt(m.index);
  if (code >= 0xd800 && code <= 0xdbff && end < line.length) end++;
  const prefix = line.slice(0, end);
  if (FENCE_CHAR.test(prefix)) return line;
  return prefix;
}

function runMarker(line: string): string | null {
  if (line.includes('>')) return null;
  const m = RUN_CHECKBOX.exec(line) ?? RUN_LINE.exec(line);
  if (m === null || !HAS_WORD.test(line)) return null;
  return m[1] ?? null;
}

function isContinuation(line: string): boolean {
  return CONTINUATION.test(line) && !line.includes('>') && !NESTED_ITEM.test(line);
}

/** End (inclusive, 0-based) of the foldable unit starting at `i`: the bullet line and its continuation lines. */
function unitEnd(lines: readonly string[], i: number): number {
  let j = i;
  while (j + 1 < lines.length && isContinuation(lines[j + 1]!)) j++;
  return j;
}

export function makeSkeleton(lines: readonly string[], fold = true): Skeleton {
  const out: string[] = [];
  const orig: number[] = [];
  const folded = new Map<number, Array<[number, number]>>();
  const n = lines.length;
  for (let i = 0; i < n; i++) {
    const marker = fold ? runMarker(lines[i]!) : null;
    if (marker !== null) {
      const units: Array<[number, number]> = [];
      let start = i;
      let end = unitEnd(lines, i);
      while (end + 1 < n && runMarker(lines[end + 1]!) === marker) {
        units.push([start, end]);
        start = end + 1;
        end = unitEnd(lines, start);
      }
      if (units.length > 0) folded.set(start, units);
      for (let k = start; k <= end; k++) {
        out.push(truncateLine(lines[k]!));
        orig.push(k);
      }
      i = end;
      continue;
    }
    out.push(truncateLine(lines[i]!));
    orig.push(i);
  }
  return { text: out.join('\n'), orig, folded };
}
