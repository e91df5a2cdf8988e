import { existsSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  firstErrorLines,
  isStartupRace,
  MAX_ARG_PROMPT,
  neverAsk,
  opencodeConfigContent,
  opencodeInvocation,
  pinnedOpencodeVersion,
  resolveOpencodeBin,
} from './_opencode.js';

describe('OpenCode invocation', () => {
  it('reads the pinned version from package.json and resolves the installed binary', () => {
    expect(pinnedOpencodeVersion()).toMatch(/^\d+\.\d+\.\d+$/);
    const bin = resolveOpencodeBin(undefined, {});
    expect(existsSync(bin)).toBe(true);
    expect(statSync(bin).size).toBeGreaterThan(1_000_000);
    expect(resolveOpencodeBin('/x/opencode', { ASDLC_OPENCODE_BIN: '/y' })).toBe('/x/opencode');
    expect(resolveOpencodeBin(undefined, { ASDLC_OPENCODE_BIN: '/y' })).toBe('/y');
  });

  it('never resolves a permission to "ask"; explicit denies stay', () => {
    expect(neverAsk(undefined)).toBe('allow');
    expect(neverAsk('ask')).toBe('allow');
    expect(neverAsk('deny')).toBe('deny');
    expect(neverAsk({ bash: { 'rm *': 'deny', '*': 'ask' }, edit: 'ask' })).toEqual({
      bash: { 'rm *': 'deny', '*': 'allow' },
      edit: 'allow',
      webfetch: 'allow',
      external_directory: 'allow',
      doom_loop: 'allow',
    });
  });

  it('merges the runner settings over an existing OPENCODE_CONFIG_CONTENT', () => {
    const merged = JSON.parse(
      opencodeConfigContent(
        JSON.stringify({ provider: { p: {} }, model: 'p/m', permission: 'ask', snapshot: true }),
      ),
    );
    expect(merged).toEqual({
      provider: { p: {} },
      model: 'p/m',
      permission: 'allow',
      autoupdate: false,
      share: 'disabled',
      snapshot: true,
    });
    expect(JSON.parse(opencodeConfigContent('not json'))).toMatchObject({
      permission: 'allow',
      snapshot: false,
    });
  });

  it('passes --dir, -m and the prompt; big prompts go by file; PWD is the worktree', () => {
    const small = opencodeInvocation({
      worktree: '/w',
      model: 'a/b',
      prompt: '# Task',
      promptFile: '/w/p.md',
      env: { PWD: '/elsewhere' },
    });
    expect(small.args).toEqual(['run', '--format', 'json', '--dir', '/w', '-m', 'a/b', '# Task']);
    expect(small.env.PWD).toBe('/w');
    expect(small.env.OPENCODE_DISABLE_AUTOUPDATE).toBe('1');
    const big = opencodeInvocation({
      worktree: '/w',
      prompt: 'x'.repeat(MAX_ARG_PROMPT + 1),
      promptFile: '/w/p.md',
      env: {},
    });
    expect(big.args.slice(0, 5)).toEqual(['run', '--format', 'json', '--dir', '/w']);
    expect(big.args.slice(-2)).toEqual(['-f', '/w/p.md']);
    expect(big.args).not.toContain('-m');
  });
});

describe('start-up race detection', () => {
  const migrationFailure = [
    'Error: Unexpected error',
    'Failed query:',
    'CREATE TABLE `workspace` (',
    '`id` text PRIMARY KEY,',
    'params:',
  ];
  it('recognises a database migration race before any tool ran', () => {
    expect(isStartupRace(migrationFailure, { toolCalls: 0, sessionId: null })).toBe(true);
    expect(isStartupRace(['Error: database is locked'], { toolCalls: 0, sessionId: null })).toBe(true);
  });
  it('never retries a run that already called tools, or an ordinary failure', () => {
    expect(isStartupRace(migrationFailure, { toolCalls: 1, sessionId: 's' })).toBe(false);
    expect(isStartupRace(['Error: model not found: x/y'], { toolCalls: 0, sessionId: null })).toBe(false);
  });
  it('summarises the first error lines in one bounded line', () => {
    expect(firstErrorLines(migrationFailure)).toBe(
      'Error: Unexpected error Failed query: CREATE TABLE `workspace` (',
    );
    expect(firstErrorLines(['x'.repeat(1000), 'error'.repeat(100)]).length).toBeLessThanOrEqual(300);
  });
});
