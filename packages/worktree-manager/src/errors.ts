import type { WorktreeErrorCode } from './types.js';

/** Base class: every error thrown on purpose by this package has a stable `code`. */
export class WorktreeManagerError extends Error {
  override name = 'WorktreeManagerError';
  readonly code: WorktreeErrorCode;
  constructor(code: WorktreeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** A git command failed for a reason this package does not classify further. */
export class GitCommandError extends WorktreeManagerError {
  override name = 'GitCommandError';
  readonly args: readonly string[];
  readonly exitCode: number | null;
  readonly stderr: string;
  constructor(
    init: { args: readonly string[]; cwd: string; exitCode: number | null; stderr: string; stdout?: string },
    options?: { cause?: unknown },
  ) {
    const output = (init.stderr.trim() || init.stdout?.trim() || '(no output)').slice(0, 4000);
    super(
      'E_GIT',
      `git ${init.args.join(' ')} failed in ${init.cwd} (exit ${init.exitCode ?? 'unknown'}): ${output}`,
      options,
    );
    this.args = init.args;
    this.exitCode = init.exitCode;
    this.stderr = init.stderr;
  }
}

export class NotARepoError extends WorktreeManagerError {
  override name = 'NotARepoError';
  readonly path: string;
  constructor(path: string, options?: { cause?: unknown }) {
    super(
      'E_NOT_A_REPO',
      `${path} is not inside a git repository (expected a directory of a git working tree). ` +
        `Fix: pass the repository's directory, or run \`git init\` there first.`,
      options,
    );
    this.path = path;
  }
}

export class InvalidBranchNameError extends WorktreeManagerError {
  override name = 'InvalidBranchNameError';
  readonly branch: string;
  constructor(branch: string, detail: string, options?: { cause?: unknown }) {
    super(
      'E_INVALID_BRANCH',
      `Invalid branch name '${branch}': ${detail}. Expected a name accepted by \`git check-ref-format --branch\` ` +
        `(no spaces, '..', '~', '^', ':', '?', '*', '[', '\\', no leading '-', no trailing '.lock' or '/'). ` +
        `Fix: change the branch template or the feature/branch/task values used to fill it.`,
      options,
    );
    this.branch = branch;
  }
}

export class BaseRefNotFoundError extends WorktreeManagerError {
  override name = 'BaseRefNotFoundError';
  readonly ref: string;
  constructor(ref: string, repo: string, options?: { cause?: unknown }) {
    super(
      'E_BAD_REF',
      `Base ref '${ref}' does not resolve to a commit in ${repo}. ` +
        `Fix: pass an existing branch, tag or sha (fetch it first if it only exists on the remote).`,
      options,
    );
    this.ref = ref;
  }
}

export class BranchExistsError extends WorktreeManagerError {
  override name = 'BranchExistsError';
  readonly branch: string;
  readonly sha: string;
  constructor(branch: string, sha: string, repo: string, options?: { cause?: unknown }) {
    super(
      'E_BRANCH_EXISTS',
      `Branch '${branch}' already exists in ${repo} (at ${sha.slice(0, 12)}); refusing to overwrite it. ` +
        `Fix: to continue on it (a re-run of this task), run again with reuseBranch: true; ` +
        `to start over, delete it first with \`git -C ${repo} branch -D ${branch}\`.`,
      options,
    );
    this.branch = branch;
    this.sha = sha;
  }
}

export class WorktreeExistsError extends WorktreeManagerError {
  override name = 'WorktreeExistsError';
  readonly path: string;
  constructor(path: string, detail: string, options?: { cause?: unknown }) {
    super(
      'E_WORKTREE_EXISTS',
      `A worktree for this task already exists at ${path} (${detail}); expected no leftover from an earlier run. ` +
        `Fix: remove it with removeTaskWorktree / \`git worktree remove --force ${path}\` ` +
        `(the branch is kept), then run again.`,
      options,
    );
    this.path = path;
  }
}

export class GitLockedError extends WorktreeManagerError {
  override name = 'GitLockedError';
  /** The lock file git reported, when it named one. */
  readonly lockFile: string | null;
  readonly attempts: number;
  constructor(
    init: { what: string; lockFile: string | null; attempts: number; gitMessage: string },
    options?: { cause?: unknown },
  ) {
    const file = init.lockFile ? `'${init.lockFile}'` : 'a git lock file';
    super(
      'E_GIT_LOCKED',
      `${init.what} failed: ${file} stayed locked after ${init.attempts} attempts (git said: ${init.gitMessage.trim()}). ` +
        `Expected the lock to be released by the concurrent git process holding it. ` +
        `Fix: wait for other git processes on this repository to finish; if none is running, ` +
        `the lock is stale: delete ${file} and retry.`,
      options,
    );
    this.lockFile = init.lockFile;
    this.attempts = init.attempts;
  }
}

export class InvalidTrailerError extends WorktreeManagerError {
  override name = 'InvalidTrailerError';
  constructor(key: string, value: string, detail: string) {
    super(
      'E_INVALID_TRAILER',
      `Invalid commit trailer ${JSON.stringify(key)}: ${JSON.stringify(value)}: ${detail}. ` +
        `Expected a key of letters, digits and '-' and a single-line value. Fix: change the trailer.`,
    );
  }
}

export class PushRejectedError extends WorktreeManagerError {
  override name = 'PushRejectedError';
  readonly branch: string;
  readonly remote: string;
  /** Git's reason: the `remote:` lines, the `! [rejected]` lines and `error:`/`fatal:` lines. */
  readonly reason: string;
  constructor(init: { branch: string; remote: string; reason: string }, options?: { cause?: unknown }) {
    super(
      'E_PUSH_REJECTED',
      `Push of ${init.branch} to ${init.remote} was rejected:\n${init.reason}\n` +
        `Expected the remote to accept refs/heads/${init.branch}. Nothing was forced. ` +
        `Fix: address the remote's reason (hook policy, credentials, or a branch that moved: fetch and inspect it); ` +
        `a re-run of the same task may push with forceWithLease on its own branch.`,
      options,
    );
    this.branch = init.branch;
    this.remote = init.remote;
    this.reason = init.reason;
  }
}

export class PushFailedError extends WorktreeManagerError {
  override name = 'PushFailedError';
  readonly branch: string;
  readonly remote: string;
  readonly attempts: number;
  constructor(
    init: {
      branch: string;
      remote: string;
      attempts: number;
      reason: string;
      transient: boolean;
      /** What was attempted; default `Push` (`Looking up` for `remoteBranchSha`). */
      operation?: string;
    },
    options?: { cause?: unknown },
  ) {
    super(
      'E_PUSH_FAILED',
      `${init.operation ?? 'Push'} of ${init.branch} ${init.operation ? 'on' : 'to'} ${init.remote} failed after ${init.attempts} attempt(s):\n${init.reason}\n` +
        (init.transient
          ? 'Expected the remote to be reachable; the failure looked transient but persisted. Fix: check the network/remote and retry.'
          : 'Expected a reachable remote repository. Fix: check the remote name/URL (`git remote -v`) and that the repository exists.'),
      options,
    );
    this.branch = init.branch;
    this.remote = init.remote;
    this.attempts = init.attempts;
  }
}

/** The commits a task builds on change the same lines: they cannot be combined without a human. */
export class MergeConflictError extends WorktreeManagerError {
  override name = 'MergeConflictError';
  readonly files: readonly string[];
  constructor(commits: readonly string[], files: readonly string[], options?: { cause?: unknown }) {
    super(
      'E_MERGE_CONFLICT',
      `the commits ${commits.map((c) => c.slice(0, 10)).join(', ')} conflict in ${files.join(', ') || 'some files'}; ` +
        'merge those branches by hand, then run the task again from the merged branch (--base).',
      options,
    );
    this.files = files;
  }
}
