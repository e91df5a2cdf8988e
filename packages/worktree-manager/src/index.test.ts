import { describe, expect, it } from 'vitest';
import * as api from './index.js';

describe('public API', () => {
  it('pins the exact export names', () => {
    expect(Object.keys(api).sort()).toEqual([
      'BaseRefNotFoundError',
      'BranchExistsError',
      'DEFAULT_BRANCH_TEMPLATE',
      'GitCommandError',
      'GitLockedError',
      'InvalidBranchNameError',
      'InvalidTrailerError',
      'MergeConflictError',
      'NotARepoError',
      'PushFailedError',
      'PushRejectedError',
      'WORKTREES_DIR',
      'WorktreeExistsError',
      'WorktreeManagerError',
      'branchName',
      'combineCommits',
      'commitTaskChanges',
      'createTaskWorktree',
      'headSha',
      'isDirty',
      'pruneWorktrees',
      'pushBranch',
      'remoteBranchSha',
      'removeTaskWorktree',
      'validateBranchName',
    ]);
  });

  it('error classes carry stable codes and chain the cause', () => {
    const cause = new Error('git said no');
    const cases: Array<[api.WorktreeManagerError, api.WorktreeErrorCode]> = [
      [new api.BranchExistsError('b', 'a'.repeat(40), '/r', { cause }), 'E_BRANCH_EXISTS'],
      [new api.InvalidBranchNameError('b c', 'space', { cause }), 'E_INVALID_BRANCH'],
      [
        new api.PushRejectedError({ branch: 'b', remote: 'origin', reason: 'r' }, { cause }),
        'E_PUSH_REJECTED',
      ],
      [
        new api.PushFailedError(
          { branch: 'b', remote: 'o', attempts: 1, reason: 'r', transient: true },
          { cause },
        ),
        'E_PUSH_FAILED',
      ],
      [
        new api.GitLockedError({ what: 'x', lockFile: null, attempts: 3, gitMessage: 'm' }, { cause }),
        'E_GIT_LOCKED',
      ],
      [new api.NotARepoError('/x', { cause }), 'E_NOT_A_REPO'],
      [new api.WorktreeExistsError('/x', 'detail', { cause }), 'E_WORKTREE_EXISTS'],
      [new api.BaseRefNotFoundError('ref', '/r', { cause }), 'E_BAD_REF'],
    ];
    for (const [error, code] of cases) {
      expect(error).toBeInstanceOf(api.WorktreeManagerError);
      expect(error).toBeInstanceOf(Error);
      expect(error.code).toBe(code);
      expect(error.cause).toBe(cause);
      expect(error.name).toBe(error.constructor.name);
      expect(error.message).toMatch(/Fix:/);
    }
  });
});
