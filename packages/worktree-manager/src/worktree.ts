import { rm } from 'node:fs/promises';
import path from 'node:path';
import { errorText, runGit } from './_git.js';
import { withMutex } from './_mutex.js';
import { ensureExcluded, exists, repoInfo, STATE_DIR } from './_repo.js';
import { withLockRetry } from './_retry.js';
import { canonical, listWorktrees } from './_worktrees.js';
import { renderBranchName, validateBranchNameAsync } from './branch.js';
import {
  BaseRefNotFoundError,
  BranchExistsError,
  GitCommandError,
  InvalidBranchNameError,
  WorktreeExistsError,
} from './errors.js';
import type {
  CreateTaskWorktreeOptions,
  PrunedWorktree,
  RemoveTaskWorktreeOptions,
  RetryPolicy,
  TaskWorktree,
} from './types.js';

/** `<repo>/.agentic-sdlc/worktrees`: where task worktrees live. */
export const WORKTREES_DIR = path.join(STATE_DIR, 'worktrees');

function dirSegment(value: string): string {
  return value
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[.-]+/, '')
    .replace(/-+$/, '');
}

const inFlight = new Map<string, Promise<string>>();

/** Concurrent lookups of the same ref in the same repository share one `git rev-parse`. */
function resolveCommit(top: string, ref: string): Promise<string> {
  const key = `${top}\0${ref}`;
  const pending = inFlight.get(key);
  if (pending) return pending;
  const lookup = lookupCommit(top, ref).finally(() => inFlight.delete(key));
  inFlight.set(key, lookup);
  return lookup;
}

async function lookupCommit(top: string, ref: string): Promise<string> {
  if (!ref || ref.startsWith('-')) throw new BaseRefNotFoundError(ref, top);
  try {
    const { stdout } = await runGit(top, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], {
      readOnly: true,
    });
    return stdout.trim();
  } catch (error) {
    throw new BaseRefNotFoundError(ref, top, { cause: error });
  }
}

async function localBranchSha(top: string, branch: string): Promise<string | null> {
  try {
    const { stdout } = await runGit(top, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`], {
      readOnly: true,
    });
    return stdout.trim() || null;
  } catch (error) {
    if (error instanceof GitCommandError && error.exitCode === 1) return null;
    throw error;
  }
}

async function currentBranch(top: string): Promise<string | undefined> {
  try {
    const { stdout } = await runGit(top, ['symbolic-ref', '--quiet', '--short', 'HEAD'], { readOnly: true });
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Create `<repo>/.agentic-sdlc/worktrees/<feature-or-branch>-<taskid>/` on a new task branch started at
 * `baseRef` (or on the existing branch when `reuseBranch`). Parallel-safe within and across processes.
 */
export async function createTaskWorktree(options: CreateTaskWorktreeOptions): Promise<TaskWorktree> {
  const { repo, baseRef, taskId, retry } = options;
  const info = await repoInfo(repo);
  const { top, commonDir } = info;
  const featureBranch = options.branch ?? options.feature ?? (await currentBranch(top));
  const feature = options.feature ?? featureBranch;
  if (!featureBranch || !feature) {
    throw new InvalidBranchNameError(
      options.branchTemplate ?? '{branch}-{task}',
      `no feature or branch was given and ${top} has a detached HEAD; pass feature or branch`,
    );
  }
  const branch = renderBranchName({
    template: options.branchTemplate,
    branch: featureBranch,
    feature,
    task: taskId,
  });
  const dirName = dirSegment(`${feature}-${taskId.trim().toLowerCase()}`);
  if (!dirName) throw new InvalidBranchNameError(branch, `cannot derive a directory name from '${feature}'`);
  const worktreePath = path.join(top, WORKTREES_DIR, dirName);

  // Read-only checks run concurrently with other tasks. `git worktree list` is only consulted when
  // something is in the way: git itself reports a registered-but-vanished worktree or a branch checked out
  // elsewhere, and those answers are handled below.
  const present = await exists(worktreePath);
  const [baseSha] = await Promise.all([
    resolveCommit(top, baseRef),
    validateBranchNameAsync(branch),
    present ? refuseLeftover(top, worktreePath, retry) : undefined,
  ]);

  // Metadata (info/exclude, the branch ref, .git/worktrees/<id>) under the per-repository mutex; the
  // checkout of the files runs outside it, concurrently with other tasks.
  const { reused, createdBranch } = await withMutex(commonDir, async () => {
    await ensureExcluded(commonDir);
    // Atomic create-only (old value ''): no check-then-create race, within or across processes.
    let existing: string | null = null;
    let createdBranch = false;
    try {
      await withLockRetry(`Creating branch ${branch}`, retry, () =>
        runGit(top, [
          'update-ref',
          '-m',
          `branch: Created from ${baseRef}`,
          `refs/heads/${branch}`,
          baseSha,
          '',
        ]),
      );
      createdBranch = true;
    } catch (error) {
      if (!/reference already exists/i.test(errorText(error))) throw error;
      existing = await localBranchSha(top, branch);
      if (!existing) throw error;
    }
    if (existing && !options.reuseBranch) throw new BranchExistsError(branch, existing, top);
    try {
      await addWorktree(top, worktreePath, branch, retry);
    } catch (error) {
      if (createdBranch) await deleteBranchIfAt(top, branch, baseSha);
      throw error;
    }
    return { reused: !createdBranch, createdBranch };
  });

  try {
    // Populate the worktree's own index and files (what `git worktree add` does without --no-checkout).
    await withLockRetry(`Checking out ${branch} in ${worktreePath}`, retry, () =>
      runGit(worktreePath, ['reset', '--hard', '--quiet', '--no-recurse-submodules']),
    );
  } catch (error) {
    await withMutex(commonDir, async () => {
      await runGit(top, ['worktree', 'remove', '--force', '--', worktreePath]).catch(() => {});
      if (createdBranch) await deleteBranchIfAt(top, branch, baseSha);
    });
    throw error;
  }
  return { path: worktreePath, branch, baseSha, reused };
}

/** The task's directory already exists: a registered worktree or an unrelated leftover. */
async function refuseLeftover(
  top: string,
  worktreePath: string,
  retry: RetryPolicy | undefined,
): Promise<never> {
  const wanted = canonical(worktreePath);
  const registered = (await listWorktrees(top, retry)).find((w) => canonical(w.path) === wanted);
  if (registered) {
    throw new WorktreeExistsError(
      worktreePath,
      `registered worktree on ${registered.branch ?? 'a detached HEAD'}`,
    );
  }
  throw new WorktreeExistsError(
    worktreePath,
    'the directory exists but is not a registered worktree; delete it',
  );
}

/**
 * `git worktree add --no-checkout <path> <branch>`. A registration left by a worktree whose directory
 * vanished (for this path, or holding this branch) is pruned once and the add retried.
 */
async function addWorktree(
  top: string,
  worktreePath: string,
  branch: string,
  retry: RetryPolicy | undefined,
) {
  const add = () =>
    withLockRetry(`Adding worktree ${worktreePath}`, retry, () =>
      runGit(top, ['worktree', 'add', '--no-checkout', '--', worktreePath, branch]),
    );
  for (let attempt = 1; ; attempt++) {
    try {
      await add();
      return;
    } catch (error) {
      const text = errorText(error);
      const holder = /is already checked out at '([^']+)'/.exec(text)?.[1];
      const vanished =
        /is a missing but already registered worktree/.test(text) || (holder && !(await exists(holder)));
      if (vanished && attempt === 1) {
        await withLockRetry('git worktree prune', retry, () => runGit(top, ['worktree', 'prune']));
        continue;
      }
      if (holder) {
        throw new WorktreeExistsError(holder, `branch ${branch} is checked out there`, { cause: error });
      }
      if (/'[^']+' already exists/.test(text)) {
        throw new WorktreeExistsError(worktreePath, 'it was created concurrently by another call', {
          cause: error,
        });
      }
      throw error;
    }
  }
}

async function deleteBranchIfAt(top: string, branch: string, sha: string): Promise<void> {
  await runGit(top, ['update-ref', '-d', `refs/heads/${branch}`, sha]).catch(() => {});
}

/**
 * Remove a task worktree (forced: the task may have left untracked files). The branch always stays.
 * No-op when `keep`. A worktree whose directory already vanished is pruned.
 */
export async function removeTaskWorktree(options: RemoveTaskWorktreeOptions): Promise<void> {
  if (options.keep) return;
  const { top, commonDir } = await repoInfo(options.repo);
  const target = path.resolve(options.path);
  await withMutex(commonDir, async () => {
    const wanted = canonical(target);
    const registered = (await listWorktrees(top)).find((w) => canonical(w.path) === wanted);
    const present = await exists(target);
    if (registered && present) {
      await withLockRetry(`Removing worktree ${target}`, options.retry, () =>
        runGit(top, ['worktree', 'remove', '--force', '--', target]),
      );
      return;
    }
    if (registered) {
      await withLockRetry('git worktree prune', options.retry, () => runGit(top, ['worktree', 'prune']));
      return;
    }
    // Not a registered worktree: only a leftover directory of our own may be deleted.
    const ours = canonical(path.join(top, WORKTREES_DIR)) + path.sep;
    if (present && wanted.startsWith(ours)) await rm(target, { recursive: true, force: true });
  });
}

/** `git worktree prune` for worktrees whose directories vanished; returns what was pruned. */
export async function pruneWorktrees(repo: string): Promise<PrunedWorktree[]> {
  const { top, commonDir } = await repoInfo(repo);
  return withMutex(commonDir, async () => {
    const before = (await listWorktrees(top)).filter((w) => w.prunable);
    if (before.length === 0) return [];
    await withLockRetry('git worktree prune', undefined, () => runGit(top, ['worktree', 'prune']));
    const after = new Set((await listWorktrees(top)).map((w) => w.path));
    return before
      .filter((w) => !after.has(w.path))
      .map((w) => ({ path: w.path, branch: w.branch, reason: w.prunable ?? 'prunable' }));
  });
}
