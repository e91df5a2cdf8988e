export const REDACTED = '[redacted]';

/** Values shorter than this are not redacted: they would mask ordinary words. */
const MIN_SECRET_LENGTH = 4;

/**
 * Returns a function that replaces every occurrence of any of `secrets` with `[redacted]`.
 * Longer values are matched first so a secret containing another is hidden whole.
 */
export function createRedactor(secrets: Iterable<string>): (text: string) => string {
  const values = [
    ...new Set([...secrets].filter((s) => typeof s === 'string' && s.length >= MIN_SECRET_LENGTH)),
  ];
  if (values.length === 0) return (text) => text;
  values.sort((a, b) => b.length - a.length);
  const pattern = new RegExp(values.map(escapeRegExp).join('|'), 'g');
  return (text) => text.replace(pattern, REDACTED);
}

/** The values of the named environment variables that are set (for `createRedactor`). */
export function secretValuesFromEnv(names: Iterable<string>, env: NodeJS.ProcessEnv = process.env): string[] {
  const out: string[] = [];
  for (const name of names) {
    const value = env[name];
    if (value) out.push(value, ...value.split(/\r?\n/).filter((l) => l.trim().length >= 16));
  }
  return out;
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
