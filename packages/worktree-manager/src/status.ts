import path from 'node:path';
import { isNotARepo, runGit } from './_git.js';
import { repoInfo } from './_repo.js';
import { GitCommandError, NotARepoError } from './errors.js';
import type { DirtyResult, IsDirtyOptions } from './types.js';

/** Full sha of `HEAD` in `dir` (a repository or worktree). */
export async function headSha(dir: string): Promise<string> {
  try {
    const { stdout } = await runGit(dir, ['rev-parse', '--verify', 'HEAD'], { readOnly: true });
    return stdout.trim();
  } catch (error) {
    if (error instanceof GitCommandError && isNotARepo(error.stderr))
      throw new NotARepoError(dir, { cause: error });
    throw error;
  }
}

function pathspec(top: string, spec: string, exclude: boolean): string {
  if (spec.startsWith(':')) return spec;
  if (path.isAbsolute(spec)) spec = path.relative(top, spec) || '.';
  return exclude ? `:(top,exclude)${spec}` : `:(top)${spec}`;
}

/**
 * Uncommitted changes (modified, staged, deleted, untracked) under `paths`, minus `ignore`; paths are
 * relative to the repository root (absolute paths inside it are accepted). Does not take the index lock.
 */
export async function isDirty(options: IsDirtyOptions): Promise<DirtyResult> {
  const { top } = await repoInfo(options.repo);
  const include = (options.paths ?? []).map((p) => pathspec(top, p, false));
  const exclude = (options.ignore ?? []).map((p) => pathspec(top, p, true));
  const specs = exclude.length > 0 && include.length === 0 ? [':/', ...exclude] : [...include, ...exclude];
  const { stdout } = await runGit(
    top,
    ['status', '--porcelain=v1', '-z', '--untracked-files=all', '--no-renames', '--', ...specs],
    { readOnly: true },
  );
  const paths = [
    ...new Set(
      stdout
        .split('\0')
        .filter((entry) => entry.length > 3)
        .map((entry) => entry.slice(3)),
    ),
  ].sort();
  return { dirty: paths.length > 0, paths };
}
