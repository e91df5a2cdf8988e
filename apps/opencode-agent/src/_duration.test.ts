import { describe, expect, it } from 'vitest';
import { parseDuration } from './_duration.js';

describe('parseDuration', () => {
  it.each([
    ['2h', 7_200_000],
    ['5s', 5000],
    ['30m', 1_800_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['90', 90_000],
    ['1.5', 1500],
  ])('%s → %i ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it.each(['', 'abc', '5x', '0s', '5s garbage', '1.5s'])('rejects %j with a usage error', (input) => {
    expect(() => parseDuration(input)).toThrow(expect.objectContaining({ code: 'E_USAGE', exitCode: 2 }));
  });
});
