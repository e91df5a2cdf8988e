import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseResultLine } from '../src/_result.js';
import { main } from '../src/cli.js';
import type { TaskResult } from '../src/types.js';

export const FEATURE = '042-calendar-sync';
export const TASKS_FILE = `specs/${FEATURE}/tasks.md`;

export const TASKS_MD = `# Tasks: Calendar sync

## Phase 1: Setup (Shared Infrastructure)

- [ ] T001 [ASYNC] Create project structure per implementation plan

## Phase 3: User Story 1 - Sync calendars (Priority: P1) 🎯 MVP

### Tests for User Story 1

- [ ] T005 [P] [ASYNC] [US1] Contract test for the sync endpoint in tests/contract/sync.test.ts

### Implementation for User Story 1

- [ ] T006 [P] [ASYNC] [US1] Implement CalendarSync service in src/sync.ts
  - keep it dependency-free
- [ ] T007 [P] [ASYNC] [US1] Add sync logging in src/log.ts
- [ ] T008 [SYNC] [US1] Wire OAuth for the calendar provider
`;

export const SPEC_MD =
  '# Feature Specification: Calendar sync\n\nUsers can sync their calendars every 5 minutes (SPEC-MARKER-42).\n';

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@t',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@t',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

export interface Fixture {
  dir: string;
  repo: string;
  remote: string;
  /** Isolated HOME/XDG for OpenCode. */
  env: NodeJS.ProcessEnv;
}

/** A spec-kit repository on branch `042-calendar-sync`, pushed to a bare remote `origin`. */
export function createFixture(): Fixture {
  const dir = mkdtempSync(join(tmpdir(), 'asdlc-agent-it-'));
  const repo = join(dir, 'repo');
  const remote = join(dir, 'remote.git');
  const files: Record<string, string> = {
    'README.md': '# demo\n',
    [TASKS_FILE]: TASKS_MD,
    [`specs/${FEATURE}/spec.md`]: SPEC_MD,
    [`specs/${FEATURE}/plan.md`]: '# Implementation Plan\n\nTypeScript, no dependencies.\n',
    '.specify/memory/constitution.md': '# Constitution\n\nSmall commits.\n',
    '.specify/feature.json': JSON.stringify({ feature_directory: `specs/${FEATURE}` }),
  };
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(repo, path)), { recursive: true });
    writeFileSync(join(repo, path), content);
  }
  git(dir, 'init', '-q', '--bare', '-b', 'main', remote);
  git(repo, 'init', '-q', '-b', FEATURE);
  git(repo, 'add', '.');
  git(repo, 'commit', '-qm', 'feature docs');
  git(repo, 'remote', 'add', 'origin', remote);
  git(repo, 'push', '-q', 'origin', FEATURE);
  const home = join(dir, 'home');
  for (const d of ['config', 'data', 'cache', 'state']) mkdirSync(join(home, '.xdg', d), { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.xdg', 'config'),
    XDG_DATA_HOME: join(home, '.xdg', 'data'),
    XDG_CACHE_HOME: join(home, '.xdg', 'cache'),
    XDG_STATE_HOME: join(home, '.xdg', 'state'),
    OPENCODE_DISABLE_AUTOUPDATE: '1',
    OPENCODE_DISABLE_MODELS_FETCH: '1',
    OPENCODE_DISABLE_LSP_DOWNLOAD: '1',
    ASDLC_TERMINATION_LOG: join(dir, 'termination-log'),
  };
  for (const key of Object.keys(env)) {
    if (key.startsWith('ASDLC_') && key !== 'ASDLC_TERMINATION_LOG') delete env[key];
  }
  return { dir, repo, remote, env };
}

export function writeScript(dir: string, name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

export interface CliRun {
  code: number;
  stdout: string[];
  stderr: string;
  result: TaskResult | null;
  ms: number;
}

/** Run `asdlc-agent <argv>` in-process. */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<CliRun> {
  let out = '';
  let err = '';
  const t0 = Date.now();
  const code = await main(argv, { stdout: (t) => (out += t), stderr: (t) => (err += t) }, signal, env);
  const stdout = out.split('\n').filter((l) => l.length > 0);
  return { code, stdout, stderr: err, result: parseResultLine(stdout.at(-1) ?? ''), ms: Date.now() - t0 };
}

/** `git log` of a branch on the bare remote, or null when the branch does not exist there. */
export function remoteBranch(
  remote: string,
  branch: string,
): { subject: string; body: string; files: string[] } | null {
  try {
    git(remote, 'rev-parse', '--verify', `refs/heads/${branch}`);
  } catch {
    return null;
  }
  return {
    subject: git(remote, 'log', '-1', '--format=%s', branch),
    body: git(remote, 'log', '-1', '--format=%B', branch),
    files: git(remote, 'show', '--name-only', '--format=', branch).split('\n').filter(Boolean).sort(),
  };
}
