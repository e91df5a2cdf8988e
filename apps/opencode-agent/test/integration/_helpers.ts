import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isolatedOpencodeEnv } from '@agentic-sdlc/scripted-model';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = join(here, '../../../..');
export const ASDLC_BIN = join(REPO_ROOT, 'apps/cli/dist/bin.js');
export const OPENCODE_BIN = join(REPO_ROOT, 'apps/opencode-agent/node_modules/.bin/opencode');
export const PLUGIN_SOURCE = join(REPO_ROOT, 'apps/opencode-agent/opencode/plugins/asdlc.ts');

export const GIT_ENV = {
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.invalid',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
};

/**
 * No registry: OpenCode's install of @opencode-ai/plugin into `.opencode/` fails at once (connection refused,
 * no retries), as on an offline machine; the plugin must load anyway.
 */
export const OFFLINE_NPM_ENV = {
  npm_config_registry: 'http://127.0.0.1:9/',
  npm_config_fetch_retries: '0',
};

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...GIT_ENV },
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

const temps: string[] = [];
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}
export function removeTemps(): void {
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
}

let specifyBin: string | undefined;
/** The pinned spec-kit CLI (scripts/install-speckit.sh: a cached venv, installed on first use). */
export function specify(): string {
  specifyBin ??= execFileSync('bash', [join(REPO_ROOT, 'scripts/install-speckit.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 300_000,
  }).trim();
  return specifyBin;
}

/** `specify init <dir> --integration opencode --script sh --ignore-agent-tools --non-interactive`. */
export function speckitProject(name = 'proj'): string {
  const root = tempDir('asdlc-speckit-');
  const dir = join(root, name);
  execFileSync(
    specify(),
    ['init', dir, '--integration', 'opencode', '--script', 'sh', '--ignore-agent-tools', '--non-interactive'],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, HOME: join(root, 'home'), NO_COLOR: '1' },
      timeout: 60_000,
    },
  );
  return dir;
}

/** sha256 of every file under `dir` (relative path → hash), `.git` excluded. */
export function treeHashes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      if (name === '.git') continue;
      const abs = join(d, name);
      if (statSync(abs).isDirectory()) {
        out[`${relative(dir, abs)}/`] = 'dir';
        walk(abs);
      } else out[relative(dir, abs)] = createHash('sha256').update(readFileSync(abs)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

/** Isolated HOME/XDG dirs for OpenCode, the scripted model as provider, no registry. */
export function opencodeEnv(config: object): NodeJS.ProcessEnv {
  return {
    ...GIT_ENV,
    ...OFFLINE_NPM_ENV,
    ...isolatedOpencodeEnv(config, tempDir('asdlc-oc-home-')),
    ASDLC_BIN,
    NO_COLOR: '1',
  };
}

export interface Proc {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Spawns without blocking the event loop (the scripted model serves from this process). */
export function run(
  cmd: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<Proc> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env, PWD: options.cwd },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

export function asdlc(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 60_000,
): Promise<Proc> {
  if (!existsSync(ASDLC_BIN)) throw new Error(`${ASDLC_BIN} is missing: run pnpm build first`);
  return run(process.execPath, [ASDLC_BIN, ...args], {
    cwd,
    env: { ...GIT_ENV, NO_COLOR: '1', ...env },
    timeoutMs,
  });
}

/** A feature `specs/001-x/` with two [ASYNC] tasks, the active one (.specify/feature.json). */
export function addFeature(dir: string): void {
  const feature = join(dir, 'specs/001-x');
  mkdirSync(feature, { recursive: true });
  writeFileSync(
    join(feature, 'spec.md'),
    '# Feature Specification: Two notes\n\nThe project gets two note files (FR-001, FR-002).\n',
  );
  writeFileSync(
    join(feature, 'tasks.md'),
    [
      '# Tasks: Two notes',
      '',
      '## Format: `[ID] [P?] [SYNC|ASYNC] [Story] Description`',
      '',
      '## Phase 1: User Story 1 - Notes (Priority: P1)',
      '',
      '- [ ] T001 [P] [ASYNC] [US1] Write notes/alpha.md',
      '- [ ] T002 [P] [ASYNC] [US1] Write notes/beta.md',
      '- [ ] T003 [SYNC] [US1] Review both notes with the user',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, '.specify/feature.json'),
    `${JSON.stringify({ feature_directory: 'specs/001-x' })}\n`,
  );
}

/** git init on branch 001-x, everything committed, pushed to a bare `origin`. Returns the remote's path. */
export function commitAndPush(dir: string): string {
  git(dir, 'init', '-q', '-b', '001-x');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'spec-kit project');
  const remote = `${dir}-remote.git`;
  git(dirname(dir), 'init', '-q', '--bare', remote);
  git(dir, 'remote', 'add', 'origin', remote);
  git(dir, 'push', '-q', 'origin', 'HEAD');
  return remote;
}

/** The JSON events of `opencode run --format json`. */
// biome-ignore lint/suspicious/noExplicitAny: OpenCode's event JSON, probed by tests
export function events(stdout: string): Array<Record<string, any>> {
  return (
    stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      // biome-ignore lint/suspicious/noExplicitAny: as above
      .map((l) => JSON.parse(l) as Record<string, any>)
  );
}
