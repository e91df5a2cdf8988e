import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  compactResultJson,
  exitCodeFor,
  formatResultLine,
  parseResultLine,
  RESULT_PREFIX,
  writeResultFiles,
} from './_result.js';
import type { TaskResult } from './types.js';

const result: TaskResult = {
  task: 'T006',
  branch: '042-calendar-sync-t006',
  baseSha: 'a'.repeat(40),
  sha: 'b'.repeat(40),
  pushed: true,
  filesChanged: ['src/a.ts'],
  durationMs: 1234,
  tokens: { input: 10, output: 2, reasoning: 0, cacheRead: 0, cacheWrite: 0, total: 12 },
  cost: 0,
  outcome: 'succeeded',
  reason: null,
};

describe('result line', () => {
  it('round-trips through formatResultLine/parseResultLine', () => {
    const line = formatResultLine(result);
    expect(line.startsWith(RESULT_PREFIX)).toBe(true);
    expect(line).not.toContain('\n');
    expect(parseResultLine(line)).toEqual(result);
    expect(parseResultLine(`${line}\n`)).toEqual(result);
  });

  it('rejects other lines and malformed results', () => {
    expect(parseResultLine('hello')).toBeNull();
    expect(parseResultLine(`${RESULT_PREFIX}{not json`)).toBeNull();
    expect(parseResultLine(`${RESULT_PREFIX}{"task":"T1","outcome":"weird"}`)).toBeNull();
    expect(parseResultLine(` ${formatResultLine(result)}`)).toBeNull();
  });

  it('fills defaults for missing optional fields', () => {
    expect(parseResultLine(`${RESULT_PREFIX}{"task":"T1","outcome":"no-changes"}`)).toMatchObject({
      task: 'T1',
      outcome: 'no-changes',
      pushed: false,
      filesChanged: [],
      sha: null,
    });
  });

  it('maps outcomes to exit codes', () => {
    expect(exitCodeFor('succeeded')).toBe(0);
    expect(exitCodeFor('no-changes')).toBe(0);
    expect(exitCodeFor('failed')).toBe(1);
    expect(exitCodeFor('timed-out')).toBe(1);
    expect(exitCodeFor('cancelled')).toBe(1);
  });

  it('keeps the termination message under 4096 bytes', () => {
    const big: TaskResult = {
      ...result,
      filesChanged: Array.from({ length: 2000 }, (_, i) => `src/some/long/path/file-${i}.ts`),
      reason: 'x'.repeat(10_000),
    };
    const json = compactResultJson(big);
    expect(Buffer.byteLength(json)).toBeLessThan(4096);
    expect(JSON.parse(json)).toMatchObject({ task: 'T006', outcome: 'succeeded' });
    expect(compactResultJson(result)).toBe(JSON.stringify(result));
  });

  it('writes runs/<run>/<task>.json and the termination log', () => {
    const dir = mkdtempSync(join(tmpdir(), 'asdlc-result-'));
    const log = join(dir, 'termination-log');
    const written = writeResultFiles(result, { repoRoot: dir, runId: 'r1', terminationLog: log });
    expect(written).toEqual([join(dir, '.agentic-sdlc', 'runs', 'r1', 'T006.json'), log]);
    expect(JSON.parse(readFileSync(written[0]!, 'utf8'))).toEqual(result);
    expect(JSON.parse(readFileSync(log, 'utf8'))).toEqual(result);
  });
});
