import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI_BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
export const DEMO_PROJECT = fileURLToPath(new URL('../../../examples/demo/project', import.meta.url));

export const GIT_ENV = {
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.invalid',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
};

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, ...GIT_ENV } }).trim();
}

export interface TempRepo {
  dir: string;
  remote: string;
  cleanup(): void;
}

const tempDirs: string[] = [];

export function tempDir(prefix = 'asdlc-cli-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A git repository on `branch` with `files` committed, and a bare remote `origin` (unless remote=false). */
export function makeRepo(
  files: Record<string, string>,
  options: { branch?: string; remote?: boolean; from?: string } = {},
): TempRepo {
  const root = tempDir();
  const dir = join(root, 'work');
  mkdirSync(dir);
  if (options.from) cpSync(options.from, dir, { recursive: true });
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  git(dir, 'init', '-q', '-b', options.branch ?? 'main');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '--allow-empty', '-m', 'initial');
  const remote = join(root, 'remote.git');
  if (options.remote !== false) {
    git(root, 'init', '-q', '--bare', remote);
    git(dir, 'remote', 'add', 'origin', remote);
    git(dir, 'push', '-q', 'origin', 'HEAD');
  }
  return { dir, remote, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs the built `asdlc` binary. */
export function asdlc(
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): CliResult {
  if (!existsSync(CLI_BIN)) throw new Error(`${CLI_BIN} is missing: run pnpm build first`);
  const res = spawnSync(process.execPath, [CLI_BIN, ...args], {
    cwd: options.cwd,
    encoding: 'utf8',
    env: { ...process.env, ...GIT_ENV, NO_COLOR: '1', FORCE_COLOR: undefined, ...options.env },
    timeout: options.timeoutMs ?? 120_000,
  });
  if (res.error) throw res.error;
  return { status: res.status ?? -1, stdout: res.stdout, stderr: res.stderr };
}

/** Runs the built `asdlc` binary without blocking the event loop (needed when this process serves the model). */
export function asdlcAsync(
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<CliResult> {
  if (!existsSync(CLI_BIN)) throw new Error(`${CLI_BIN} is missing: run pnpm build first`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_BIN, ...args], {
      cwd: options.cwd,
      env: { ...process.env, ...GIT_ENV, NO_COLOR: '1', FORCE_COLOR: undefined, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `asdlc ${args.join(' ')} did not finish in ${options.timeoutMs ?? 120_000} ms\n${stderr}\n${stdout.slice(-2000)}`,
        ),
      );
    }, options.timeoutMs ?? 120_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ status: code ?? -1, stdout, stderr });
    });
  });
}
