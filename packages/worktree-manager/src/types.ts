/** Bounded retry policy (exponential backoff with jitter). */
export interface RetryPolicy {
  /** Retries after the first attempt (so `retries + 1` attempts in all). */
  retries?: number;
  /** Delay before the first retry, in ms. */
  minTimeoutMs?: number;
  /** Upper bound for one delay, in ms. */
  maxTimeoutMs?: number;
}

export interface BranchNameOptions {
  /** Template with `{feature}`, `{branch}`, `{task}` (lower-cased id) and `{TASK}` (id as given). Default `{branch}-{task}`. */
  template?: string;
  /** Feature branch name, e.g. `042-calendar-sync`. Falls back to `feature`. */
  branch?: string;
  /** Feature name, e.g. `042-calendar-sync`. Falls back to `branch`. */
  feature?: string;
  /** Task id, e.g. `T006`. */
  task: string;
}

export interface CreateTaskWorktreeOptions {
  /** Any directory inside the repository (its main working tree is used). */
  repo: string;
  /** The commit-ish the task branch starts from (`main`, `origin/042-x`, a sha). */
  baseRef: string;
  /** Task id, e.g. `T006`. */
  taskId: string;
  /** Feature name (spec-kit feature folder / branch), e.g. `042-calendar-sync`. */
  feature?: string;
  /** Feature branch name; defaults to `feature`, then to the repository's current branch. */
  branch?: string;
  /** Branch template, see {@link BranchNameOptions.template}. */
  branchTemplate?: string;
  /** Re-run: check out the existing task branch instead of failing with `BranchExistsError`. */
  reuseBranch?: boolean;
  /** Retry policy for git lock contention. */
  retry?: RetryPolicy;
}

export interface TaskWorktree {
  /** Absolute path of the new worktree. */
  path: string;
  /** The task branch checked out in it. */
  branch: string;
  /** Full sha `baseRef` resolved to. */
  baseSha: string;
  /** True when an existing branch was checked out (`reuseBranch`). */
  reused: boolean;
}

export interface RemoveTaskWorktreeOptions {
  repo: string;
  /** The worktree path returned by `createTaskWorktree`. */
  path: string;
  /** Keep the worktree (debugging): the call is a no-op. */
  keep?: boolean;
  retry?: RetryPolicy;
}

export interface PrunedWorktree {
  /** Path the worktree used to live at. */
  path: string;
  /** Branch it had checked out, or null (detached/unknown). */
  branch: string | null;
  /** Git's reason, e.g. `gitdir file points to non-existent location`. */
  reason: string;
}

export interface GitIdentity {
  name: string;
  email: string;
}

export interface CommitTaskChangesOptions {
  /** The task worktree. */
  worktree: string;
  /** Commit message (subject, optionally followed by a blank line and a body). */
  message: string;
  /** Trailers appended as `Key: value` lines, in insertion order. */
  trailers: Record<string, string>;
  /** Author; defaults to git's own configuration/environment. */
  author?: GitIdentity;
  /** Committer; defaults to `author` when given, else git's own configuration/environment. */
  committer?: GitIdentity;
}

export interface CommitResult {
  /** Sha of the new commit, or null when nothing changed. */
  sha: string | null;
  /** Repository-relative paths staged in the commit (added, modified, deleted), sorted. */
  filesChanged: string[];
}

export interface ForceWithLease {
  /** Sha the remote branch must still point at, or null for "the remote branch must not exist". */
  expectedSha: string | null;
}

export interface PushBranchOptions {
  /** The task worktree; its HEAD is pushed. */
  worktree: string;
  /** Remote name or URL. Default `origin`. */
  remote?: string;
  /** Destination branch (`refs/heads/<branch>` on the remote). */
  branch: string;
  /** Only for a re-run of the same task on its own branch: `--force-with-lease=refs/heads/<branch>:<expectedSha>`. */
  forceWithLease?: ForceWithLease;
  /** Retry policy for transient failures (connection reset, timeouts, remote unreachable). */
  retry?: RetryPolicy;
  /** Kill a push that produced no output for this long (ms). Default 120000. */
  timeoutMs?: number;
}

export interface PushResult {
  pushed: true;
  /** The sha the remote branch now points at. */
  remoteSha: string;
}

export interface RemoteBranchShaOptions {
  repo: string;
  /** Remote name or URL. Default `origin`. */
  remote?: string;
  branch: string;
}

export interface IsDirtyOptions {
  repo: string;
  /** Only look at these paths (git pathspecs, relative to the repository root). Default: everything. */
  paths?: string[];
  /** Paths to disregard (git pathspecs relative to the repository root, e.g. `specs/042/tasks.md`). */
  ignore?: string[];
}

export interface DirtyResult {
  /** True when `paths` has any modified, staged, deleted or untracked file. */
  dirty: boolean;
  /** Repository-relative dirty paths (untracked files listed one by one), sorted. */
  paths: string[];
}

/** Every `code` an error of this package can carry. */
export type WorktreeErrorCode =
  | 'E_BRANCH_EXISTS'
  | 'E_INVALID_BRANCH'
  | 'E_INVALID_TRAILER'
  | 'E_BAD_REF'
  | 'E_GIT'
  | 'E_GIT_LOCKED'
  | 'E_MERGE_CONFLICT'
  | 'E_NOT_A_REPO'
  | 'E_PUSH_FAILED'
  | 'E_PUSH_REJECTED'
  | 'E_WORKTREE_EXISTS';

export interface CombineCommitsOptions {
  repo: string;
  /** Commits to combine (task branches' heads), in order. */
  commits: string[];
  /** Message of the merge commits made (default: `asdlc: combine <short shas>`). */
  message?: string;
}
