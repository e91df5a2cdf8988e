import { describe, expect, it } from 'vitest';
import { parseDuration } from './_duration.js';
import { SecretsConfigError } from './_errors.js';

describe('parseDuration', () => {
  it.each([
    ['2h', 7_200_000],
    ['90m', 5_400_000],
    ['1h30m', 5_400_000],
    ['45s', 45_000],
    ['250ms', 250],
    ['1d', 86_400_000],
    ['1h0m5s', 3_605_000],
  ])('%s → %d ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it.each(['', '2', 'h', '2 h', '-1h', '1.5h', '2hours', '2H', 'PT2H'])(
    'rejects %j with E_DURATION',
    (input) => {
      expect(() => parseDuration(input)).toThrowError(SecretsConfigError);
      try {
        parseDuration(input);
      } catch (e) {
        expect((e as SecretsConfigError).code).toBe('E_DURATION');
        expect((e as Error).message).toContain(JSON.stringify(input));
      }
    },
  );
});
