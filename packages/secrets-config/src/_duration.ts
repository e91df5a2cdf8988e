import { SecretsConfigError } from './_errors.js';

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Go-style duration: one or more `<integer><unit>` parts, units ms|s|m|h|d, e.g. `2h`, `1h30m`, `90s`. */
export const DURATION_PATTERN = '^(?:[0-9]+(?:ms|s|m|h|d))+$';
const DURATION_RE = new RegExp(DURATION_PATTERN);
const PART_RE = /([0-9]+)(ms|s|m|h|d)/g;

/**
 * Parse a duration string into milliseconds.
 *
 * `parseDuration('2h') === 7_200_000`, `parseDuration('1h30m') === 5_400_000`.
 * Throws `SecretsConfigError` (`E_DURATION`) for anything else, including an empty string.
 */
export function parseDuration(input: string): number {
  if (typeof input !== 'string' || !DURATION_RE.test(input)) {
    throw new SecretsConfigError(
      'E_DURATION',
      `invalid duration ${JSON.stringify(input)}: expected <integer><unit> parts with units ms, s, m, h, d (e.g. "2h", "1h30m", "90s")`,
    );
  }
  let total = 0;
  for (const match of input.matchAll(PART_RE)) {
    const unit = match[2] as keyof typeof UNIT_MS;
    total += Number(match[1]) * UNIT_MS[unit];
  }
  if (!Number.isSafeInteger(total)) {
    throw new SecretsConfigError('E_DURATION', `invalid duration ${JSON.stringify(input)}: too large`);
  }
  return total;
}
