import { UsageError } from './_errors.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parse `2h`, `5s`, `90m`, `1h30m`, `500ms` or a plain number of seconds into milliseconds. */
export function parseDuration(input: string): number {
  const text = input.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * (UNITS[m[2] ?? 's'] ?? 1000);
    consumed = re.lastIndex;
  }
  if (consumed === 0 || consumed !== text.length || total <= 0) {
    throw new UsageError('E_USAGE', `invalid duration "${input}": expected e.g. 2h, 30m, 5s, 1h30m or 500ms`);
  }
  return Math.round(total);
}
