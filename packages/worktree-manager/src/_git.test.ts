import { describe, expect, it } from 'vitest';
import { lockContention } from './_git.js';

describe('lockContention', () => {
  it('recognises git lock-file contention and names the lock file', () => {
    expect(
      lockContention(
        "fatal: Unable to create '/r/.git/index.lock': File exists.\n\nAnother git process seems…",
      ),
    ).toEqual({ lockFile: '/r/.git/index.lock' });
    expect(
      lockContention(
        "fatal: cannot lock ref 'refs/heads/b': Unable to create '/r/.git/refs/heads/b.lock': File exists.",
      ),
    ).toEqual({ lockFile: '/r/.git/refs/heads/b.lock' });
    expect(lockContention('error: could not lock config file .git/config: File exists')).toEqual({
      lockFile: '.git/config.lock',
    });
    // A concurrent `git worktree add` in another process, caught half-way.
    expect(lockContention('fatal: failed to read .git/worktrees/f-t301/commondir: Success')).toEqual({
      lockFile: null,
    });
  });

  it('does not mistake other failures for contention', () => {
    expect(lockContention("fatal: cannot lock ref 'refs/heads/b': reference already exists")).toBeNull();
    expect(lockContention("fatal: cannot lock ref 'refs/heads/b': is at 1234 but expected 5678")).toBeNull();
    expect(lockContention('fatal: not a git repository')).toBeNull();
  });
});
