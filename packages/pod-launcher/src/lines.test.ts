import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineSplitter, parseTimestampedLine, ResumeCursor } from './index.js';

describe('LineSplitter', () => {
  it('splits across chunk boundaries, CRLF and multi-byte characters', () => {
    const s = new LineSplitter();
    const bytes = Buffer.from('héllo wörld\r\nsecond line\nthi€rd');
    const out: string[] = [];
    for (let i = 0; i < bytes.length; i++) out.push(...s.push(bytes.subarray(i, i + 1)));
    expect(out).toEqual(['héllo wörld', 'second line']);
    expect(s.flush()).toBe('thi€rd');
    expect(s.flush()).toBeUndefined();
  });

  it('empty lines are lines; reset drops the partial', () => {
    const s = new LineSplitter();
    expect(s.push('\n\na')).toEqual(['', '']);
    s.reset();
    expect(s.push('b\n')).toEqual(['b']);
  });

  it('property: any chunking yields the same lines', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'grapheme' }).map((x) => x.replace(/[\r\n]/g, ''))),
        fc.array(fc.nat(40)),
        (lines, cuts) => {
          const text = Buffer.from(lines.map((l) => `${l}\n`).join(''));
          const s = new LineSplitter();
          const out: string[] = [];
          let pos = 0;
          for (const c of cuts) {
            out.push(...s.push(text.subarray(pos, pos + c)));
            pos += c;
          }
          out.push(...s.push(text.subarray(pos)));
          expect(s.flush()).toBeUndefined();
          expect(out).toEqual(lines);
        },
      ),
    );
  });
});

describe('parseTimestampedLine', () => {
  it('strips RFC3339Nano and RFC3339 prefixes', () => {
    expect(parseTimestampedLine('2026-01-15T10:30:00.123456789Z hello world')).toEqual({
      ts: '2026-01-15T10:30:00.123456789Z',
      line: 'hello world',
    });
    expect(parseTimestampedLine('2026-01-15T10:30:00Z ')).toEqual({ ts: '2026-01-15T10:30:00Z', line: '' });
    expect(parseTimestampedLine('2026-01-15T10:30:00+02:00 x')).toEqual({
      ts: '2026-01-15T10:30:00+02:00',
      line: 'x',
    });
    expect(parseTimestampedLine('no timestamp here')).toEqual({ ts: undefined, line: 'no timestamp here' });
    expect(parseTimestampedLine('2026-01-15 not-a-ts')).toEqual({
      ts: undefined,
      line: '2026-01-15 not-a-ts',
    });
  });
});

/** Lines of a log, several per second, as the kubelet would timestamp them. */
function logLines(perSecond: number[]): { ts: string; text: string }[] {
  const out: { ts: string; text: string }[] = [];
  let n = 0;
  perSecond.forEach((count, sec) => {
    for (let i = 0; i < count; i++) {
      const ns = String(i * 1000 + 1).padStart(9, '0');
      out.push({
        ts: `2026-01-15T10:${String(Math.floor(sec / 60)).padStart(2, '0')}:${String(sec % 60).padStart(2, '0')}.${ns}Z`,
        text: `line ${n++}`,
      });
    }
  });
  return out;
}

/** What the apiserver returns for `sinceTime` (whole seconds): every line at or after it. */
function serve(lines: { ts: string; text: string }[], sinceTime: string | undefined) {
  return sinceTime === undefined ? lines : lines.filter((l) => `${l.ts.slice(0, 19)}Z` >= sinceTime);
}

describe('ResumeCursor (stern resume: last second + count)', () => {
  it('skips exactly the lines already emitted in the resume second', () => {
    const lines = logLines([3, 4, 2]);
    const cursor = new ResumeCursor();
    const emitted: string[] = [];
    // first connection: 5 lines, then the connection drops (second 1 has 2 of 4 lines emitted)
    for (const l of serve(lines, undefined).slice(0, 5)) if (cursor.accept(l.ts)) emitted.push(l.text);
    expect(cursor.lastSecond).toBe('2026-01-15T10:00:01Z');
    expect(cursor.countInSecond).toBe(2);
    const { sinceTime, skip } = cursor.resume();
    expect(sinceTime).toBe('2026-01-15T10:00:01Z');
    expect(skip).toBe(2);
    for (const l of serve(lines, sinceTime)) if (cursor.accept(l.ts)) emitted.push(l.text);
    expect(emitted).toEqual(lines.map((l) => l.text));
  });

  it('before any line, a resume asks for the original range again', () => {
    expect(new ResumeCursor().resume()).toEqual({ sinceTime: undefined, skip: 0 });
  });

  it('property: any sequence of dropped connections emits every line exactly once, in order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 12 }),
        fc.array(fc.integer({ min: 0, max: 7 }), { maxLength: 30 }),
        (perSecond, drops) => {
          const lines = logLines(perSecond);
          const cursor = new ResumeCursor();
          const emitted: string[] = [];
          let since: string | undefined;
          for (const take of [...drops, Number.POSITIVE_INFINITY]) {
            const served = serve(lines, since).slice(0, take);
            for (const l of served) if (cursor.accept(l.ts)) emitted.push(l.text);
            since = cursor.resume().sinceTime;
          }
          expect(emitted).toEqual(lines.map((l) => l.text));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('state() / from() round-trip a position; garbage restores an empty cursor', () => {
    const c = new ResumeCursor();
    c.accept('2026-01-15T10:00:00.1Z');
    c.accept('2026-01-15T10:00:01.1Z');
    c.accept('2026-01-15T10:00:01.2Z');
    const restored = ResumeCursor.from(c.state());
    expect(restored.state()).toEqual({ lastSecond: '2026-01-15T10:00:01Z', countInSecond: 2 });
    expect(restored.resume()).toEqual({ sinceTime: '2026-01-15T10:00:01Z', skip: 2 });
    expect(ResumeCursor.from({ lastSecond: 'nope', countInSecond: 3 }).state()).toEqual({ countInSecond: 0 });
  });

  it('non-UTC offsets are normalised to the same second', () => {
    const c = new ResumeCursor();
    expect(c.accept('2026-01-15T12:00:00.5+02:00')).toBe(true);
    expect(c.lastSecond).toBe('2026-01-15T10:00:00Z');
  });
});
