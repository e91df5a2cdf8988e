import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, isAbsolute, join, posix, relative, resolve } from 'node:path';
import { execa } from 'execa';
import { UsageError } from './_errors.js';
import { authFailureHint, type GitAuth, isAuthFailure, NO_GIT_AUTH, withGitAuth } from './_git-auth.js';

/** True for `https://…`, `ssh://…`, `git@host:path`, `file://…`. */
export function isRepoUrl(repo: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(repo) || /^[\w.-]+@[\w.-]+:/.test(repo);
}

/** The URL with any credentials removed (for logs). */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]+@/i, '$1***@');
}

async function git(cwd: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const { stdout } = await execa('git', args, { cwd, env, extendEnv: false, stdin: 'ignore' });
  return stdout.trim();
}

export interface ResolvedRepo {
  /** Main working tree root. */
  root: string;
  /** Base ref for the task branch. */
  baseRef: string;
  cloned: boolean;
}

/**
 * A local directory is used in place; a URL is cloned shallow (`--depth 1 --branch <base>`) first, with the
 * credential helper of `auth` (token mode) in git's environment.
 */
export async function resolveRepo(
  repo: string,
  base: string | undefined,
  workDir: string | undefined,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
  auth: GitAuth = NO_GIT_AUTH,
): Promise<ResolvedRepo> {
  if (isRepoUrl(repo) && !existsSync(repo)) {
    const parent = workDir ?? env.ASDLC_WORK_DIR ?? tmpdir();
    mkdirSync(parent, { recursive: true });
    const name = basename(repo.replace(/\/+$/, '')).replace(/\.git$/, '') || 'repo';
    const dir = mkdtempSync(join(parent, `${name.replace(/[^\w.-]/g, '_')}-`));
    const args = ['clone', '--depth', '1', '--no-tags', '--single-branch'];
    if (base) args.push('--branch', base);
    args.push(repo, dir);
    log(`cloning ${redactUrl(repo)}${base ? ` (${base})` : ''} into ${dir}`);
    try {
      await execa('git', args, {
        env: withGitAuth(env, auth),
        extendEnv: false,
        stdin: 'ignore',
      });
    } catch (error) {
      const stderr = String((error as { stderr?: unknown }).stderr ?? '')
        .split('\n')
        .map((l) => redactUrl(l))
        .join('\n')
        .trim();
      if (auth.mode === 'token' && isAuthFailure(stderr)) {
        throw new UsageError(
          'E_GIT_AUTH',
          `could not clone ${redactUrl(repo)}${authFailureHint(auth)}: ${stderr}`,
          { cause: error },
        );
      }
      throw new UsageError(
        'E_REPO',
        `could not clone ${redactUrl(repo)}${base ? ` at ${base}` : ''}: ${stderr}`,
        {
          cause: error,
        },
      );
    }
    return { root: dir, baseRef: 'HEAD', cloned: true };
  }
  const dir = resolve(repo);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new UsageError(
      'E_REPO',
      `--repo ${repo}: expected a git working directory or a git URL, found no such directory`,
    );
  }
  let root: string;
  try {
    root = await git(dir, ['rev-parse', '--show-toplevel'], env);
  } catch (error) {
    throw new UsageError(
      'E_REPO',
      `--repo ${repo}: expected a git working directory, but ${dir} is not inside one`,
      {
        cause: error,
      },
    );
  }
  return { root, baseRef: base ?? 'HEAD', cloned: false };
}

/** The repository-relative (posix) path of the tasks file: given, or discovered like spec-kit. */
export async function resolveTasksFile(
  root: string,
  tasksFile: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<string> {
  const toRel = (p: string) =>
    relative(root, isAbsolute(p) ? p : join(root, p))
      .split('\\')
      .join('/');
  if (tasksFile) {
    const rel = toRel(tasksFile);
    const candidates = [isAbsolute(tasksFile) ? tasksFile : join(root, tasksFile)];
    if (!existsSync(candidates[0]!)) {
      throw new UsageError(
        'E_NO_TASKS_FILE',
        `--tasks-file ${tasksFile}: no such file (looked at ${candidates[0]})`,
      );
    }
    if (rel.startsWith('..')) {
      throw new UsageError('E_NO_TASKS_FILE', `--tasks-file ${tasksFile} is outside the repository ${root}`);
    }
    return rel;
  }
  const tried: string[] = [];
  const check = (featureDir: string): string | null => {
    const rel = posix.join(toRel(featureDir), 'tasks.md');
    tried.push(rel);
    return existsSync(join(root, rel)) ? rel : null;
  };
  if (env.SPECIFY_FEATURE_DIRECTORY) {
    const found = check(env.SPECIFY_FEATURE_DIRECTORY);
    if (found) return found;
  }
  const featureJson = join(root, '.specify', 'feature.json');
  if (existsSync(featureJson)) {
    try {
      const dir = (JSON.parse(readFileSync(featureJson, 'utf8')) as { feature_directory?: unknown })
        .feature_directory;
      if (typeof dir === 'string') {
        const found = check(dir);
        if (found) return found;
      }
    } catch {
      tried.push('.specify/feature.json (unreadable)');
    }
  }
  let branch = env.SPECIFY_FEATURE ?? '';
  if (!branch) {
    try {
      branch = await git(root, ['rev-parse', '--abbrev-ref', 'HEAD'], env);
    } catch {
      branch = '';
    }
  }
  if (branch && branch !== 'HEAD') {
    const found = check(posix.join('specs', branch));
    if (found) return found;
    const prefix = /^(\d{3,})-/.exec(branch)?.[1];
    const specs = join(root, 'specs');
    if (prefix && existsSync(specs)) {
      for (const name of readdirSync(specs).sort()) {
        if (name.startsWith(`${prefix}-`)) {
          const f = check(posix.join('specs', name));
          if (f) return f;
        }
      }
    }
  }
  const available = existsSync(join(root, 'specs'))
    ? readdirSync(join(root, 'specs'))
        .filter((n) => existsSync(join(root, 'specs', n, 'tasks.md')))
        .map((n) => `specs/${n}/tasks.md`)
    : [];
  throw new UsageError(
    'E_NO_TASKS_FILE',
    `no tasks.md found for the current feature (tried ${tried.length > 0 ? tried.join(', ') : 'nothing: no feature.json, no feature branch'}). ` +
      `Pass --tasks-file${available.length > 0 ? `; available: ${available.join(', ')}` : ''}`,
  );
}
