import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** `name` as a directory under the server root: validated, `.git` appended when missing. */
export function repoDirName(name: string): string {
  const clean = name.replace(/^\/+|\/+$/g, '');
  const segments = clean.split('/');
  if (!clean || segments.some((s) => !/^[A-Za-z0-9._-]+$/.test(s) || s === '.' || s === '..')) {
    throw new Error(`invalid repository name ${JSON.stringify(name)}: use [A-Za-z0-9._-] path segments`);
  }
  return clean.endsWith('.git') ? clean : `${clean}.git`;
}

/** An environment for helper git commands that ignores the user's and the system's git configuration. */
export function isolatedGitEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const key of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'SYSTEMROOT']) {
    if (process.env[key] !== undefined) env[key] = process.env[key];
  }
  return {
    ...env,
    LC_ALL: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
  };
}

function git(cwd: string, args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: isolatedGitEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000,
  }).trim();
}

export interface CreateBareRepoOptions {
  /** A local repository (working tree or bare) whose branches (and tags) are pushed into the new repo. */
  from?: string;
}

/**
 * Create the bare repository `<root>/<name>.git`. With `from`, every branch and tag of that local repository
 * is pushed into it and its HEAD points at the branch `from` has checked out. Returns the bare repo's path.
 */
export function createBareRepo(root: string, name: string, options: CreateBareRepoOptions = {}): string {
  const dir = resolve(root, repoDirName(name));
  if (existsSync(dir)) throw new Error(`createBareRepo: ${dir} already exists`);
  mkdirSync(dirname(dir), { recursive: true });
  let head: string | null = null;
  const from = options.from ? resolve(options.from) : null;
  if (from) {
    try {
      head = git(from, ['symbolic-ref', '--quiet', '--short', 'HEAD']);
    } catch {
      head = null; // detached HEAD: keep git's default
    }
  }
  git(root, ['init', '--quiet', '--bare', ...(head ? ['--initial-branch', head] : []), dir]);
  if (from) {
    git(from, ['push', '--quiet', dir, 'refs/heads/*:refs/heads/*', 'refs/tags/*:refs/tags/*']);
  }
  return dir;
}

/** The branch names of `<root>/<name>.git`, sorted. */
export function listBranches(root: string, name: string): string[] {
  const out = git(resolve(root, repoDirName(name)), [
    'for-each-ref',
    '--format=%(refname:short)',
    'refs/heads',
  ]);
  return out
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .sort();
}

/** The commit `refs/heads/<branch>` of `<root>/<name>.git` points at, or null when there is no such branch. */
export function branchHead(root: string, name: string, branch: string): string | null {
  try {
    return git(resolve(root, repoDirName(name)), [
      'rev-parse',
      '--verify',
      '--quiet',
      `refs/heads/${branch}^{commit}`,
    ]);
  } catch {
    return null;
  }
}
