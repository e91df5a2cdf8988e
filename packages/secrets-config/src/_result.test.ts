import { describe, expect, it } from 'vitest';
import { formatResultLine, parseResultLine, type RunnerResult, toRunnerResult } from './index.js';

const result: RunnerResult = {
  task: 'T006',
  branch: '001-x-t006',
  baseSha: 'a'.repeat(40),
  sha: 'b'.repeat(40),
  pushed: true,
  filesChanged: ['src/a.ts'],
  durationMs: 1234,
  tokens: { input: 1, output: 2, reasoning: 0, cacheRead: 0, cacheWrite: 0, total: 3 },
  cost: 0.01,
  outcome: 'succeeded',
  reason: null,
};

describe('runner result', () => {
  it('round-trips through the result line', () => {
    expect(parseResultLine(formatResultLine(result))).toEqual(result);
    expect(parseResultLine(`${formatResultLine(result)}\r\n`)).toEqual(result);
  });
  it('rejects lines that are not result lines', () => {
    expect(parseResultLine('hello')).toBeNull();
    expect(parseResultLine('ASDLC_RESULT {not json')).toBeNull();
    expect(parseResultLine('ASDLC_RESULT {"task":"T1","outcome":"exploded"}')).toBeNull();
  });
  it('defaults missing fields and drops wrong types', () => {
    expect(
      toRunnerResult({ task: 'T1', outcome: 'failed', filesChanged: ['a', 3], tokens: 'x', reason: 7 }),
    ).toEqual({
      task: 'T1',
      branch: null,
      baseSha: null,
      sha: null,
      pushed: false,
      filesChanged: ['a'],
      durationMs: 0,
      tokens: null,
      cost: null,
      outcome: 'failed',
      reason: null,
    });
  });
});
