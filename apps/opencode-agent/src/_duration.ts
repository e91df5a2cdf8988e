import { parseDuration as parseProfileDuration } from '@agentic-sdlc/secrets-config';
import { UsageError } from './_errors.js';

/** `2h`, `5s`, `90m`, `1h30m`, `500ms` (the runner profile's syntax) or a plain number of seconds → milliseconds. */
export function parseDuration(input: string): number {
  const text = input.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  try {
    const ms = parseProfileDuration(text);
    if (ms > 0) return ms;
  } catch {
    // reported below, as a usage error of this command
  }
  throw new UsageError('E_USAGE', `invalid duration "${input}": expected e.g. 2h, 30m, 5s, 1h30m or 500ms`);
}
