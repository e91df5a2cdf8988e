import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const GIT_ENV = {
  ...process.env,
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Fixture',
  GIT_AUTHOR_EMAIL: 'fixture@example.test',
  GIT_COMMITTER_NAME: 'Fixture',
  GIT_COMMITTER_EMAIL: 'fixture@example.test',
  LC_ALL: 'C',
};

/** Run git synchronously for fixtures; returns trimmed stdout. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    env: GIT_ENV,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

const dirs: string[] = [];

export function tempDir(prefix = 'wtm-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

export function cleanupTempDirs(): void {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A repository on `main` with one commit (README.md, src/app.txt), checked out on `branch` when given. */
export function makeRepo(options: { branch?: string } = {}): string {
  const repo = path.join(tempDir(), 'repo');
  mkdirSync(path.join(repo, 'src'), { recursive: true });
  git(repo, 'init', '-q', '-b', 'main');
  writeFileSync(path.join(repo, 'README.md'), '# fixture\n');
  writeFileSync(path.join(repo, 'src', 'app.txt'), 'v1\n');
  writeFileSync(path.join(repo, '.gitignore'), 'node_modules/\n');
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'init');
  if (options.branch) git(repo, 'checkout', '-q', '-b', options.branch);
  return repo;
}

/** A bare remote registered as `origin` of `repo`, with the repo's current branch pushed. */
export function addBareRemote(repo: string): string {
  const bare = path.join(tempDir('wtm-remote-'), 'remote.git');
  git(path.dirname(bare), 'init', '-q', '--bare', bare);
  git(repo, 'remote', 'add', 'origin', bare);
  git(repo, 'push', '-q', 'origin', 'HEAD');
  return bare;
}

/** Install an executable hook script in `gitDir/hooks/<name>`. */
export function installHook(gitDir: string, name: string, script: string): void {
  const file = path.join(gitDir, 'hooks', name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, script);
  chmodSync(file, 0o755);
}
