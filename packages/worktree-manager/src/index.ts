export { branchName, DEFAULT_BRANCH_TEMPLATE, validateBranchName } from './branch.js';
export { combineCommits } from './combine.js';
export { commitTaskChanges } from './commit.js';
export {
  BaseRefNotFoundError,
  BranchExistsError,
  GitCommandError,
  GitLockedError,
  InvalidBranchNameError,
  InvalidTrailerError,
  MergeConflictError,
  NotARepoError,
  PushFailedError,
  PushRejectedError,
  WorktreeExistsError,
  WorktreeManagerError,
} from './errors.js';
export { pushBranch, remoteBranchSha } from './push.js';
export { headSha, isDirty } from './status.js';
export type {
  BranchNameOptions,
  CombineCommitsOptions,
  CommitResult,
  CommitTaskChangesOptions,
  CreateTaskWorktreeOptions,
  DirtyResult,
  ForceWithLease,
  GitIdentity,
  IsDirtyOptions,
  PrunedWorktree,
  PushBranchOptions,
  PushResult,
  RemoteBranchShaOptions,
  RemoveTaskWorktreeOptions,
  RetryPolicy,
  TaskWorktree,
  WorktreeErrorCode,
} from './types.js';
export { createTaskWorktree, pruneWorktrees, removeTaskWorktree, WORKTREES_DIR } from './worktree.js';
