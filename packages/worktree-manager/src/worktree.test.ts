import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTempDirs, git, makeRepo, tempDir } from '../test/_helpers.js';
import {
  BaseRefNotFoundError,
  BranchExistsError,
  GitLockedError,
  NotARepoError,
  WorktreeExistsError,
} from './errors.js';
import { createTaskWorktree, pruneWorktrees, removeTaskWorktree } from './worktree.js';

afterAll(cleanupTempDirs);

const FEATURE = '042-calendar-sync';

describe('createTaskWorktree', () => {
  it('creates <repo>/.agentic-sdlc/worktrees/<feature>-<task>/ on a new branch at the base', async () => {
    const repo = makeRepo({ branch: FEATURE });
    const main = git(repo, 'rev-parse', 'HEAD');
    const wt = await createTaskWorktree({ repo, baseRef: FEATURE, taskId: 'T006', feature: FEATURE });
    expect(wt).toEqual({
      path: path.join(repo, '.agentic-sdlc', 'worktrees', '042-calendar-sync-t006'),
      branch: '042-calendar-sync-t006',
      baseSha: main,
      reused: false,
    });
    expect(readFileSync(path.join(wt.path, 'src', 'app.txt'), 'utf8')).toBe('v1\n');
    expect(git(wt.path, 'symbolic-ref', '--short', 'HEAD')).toBe('042-calendar-sync-t006');
    expect(git(wt.path, 'status', '--porcelain')).toBe('');
    // The main checkout sees nothing new.
    expect(git(repo, 'status', '--porcelain')).toBe('');
    // No tracking configuration written (no config.lock contention, no accidental upstream).
    expect(readFileSync(path.join(repo, '.git', 'config'), 'utf8')).not.toContain('[branch');
  });

  it('defaults the feature to the current branch and honours a custom template', async () => {
    const repo = makeRepo({ branch: FEATURE });
    const wt = await createTaskWorktree({
      repo,
      baseRef: 'main',
      taskId: 'T007',
      branchTemplate: 'task/{TASK}',
    });
    expect(wt.branch).toBe('task/T007');
    expect(path.basename(wt.path)).toBe('042-calendar-sync-t007');
  });

  it('keeps .agentic-sdlc/ out of git via info/exclude, idempotently, without touching .gitignore', async () => {
    const repo = makeRepo();
    const gitignore = readFileSync(path.join(repo, '.gitignore'), 'utf8');
    await createTaskWorktree({ repo, baseRef: 'main', taskId: 'T1', feature: 'f' });
    await createTaskWorktree({ repo, baseRef: 'main', taskId: 'T2', feature: 'f' });
    await createTaskWorktree({ repo, baseRef: 'main', taskId: 'T3', feature: 'f' });
    const exclude = readFileSync(path.join(repo, '.git', 'info', 'exclude'), 'utf8');
    expect(exclude.split('\n').filter((l) => l === '/.agentic-sdlc/')).toHaveLength(1);
    expect(readFileSync(path.join(repo, '.gitignore'), 'utf8')).toBe(gitignore);
    expect(git(repo, 'status', '--porcelain', '--untracked-files=all')).toBe('');
  });

  it('adds the exclude line when info/exclude is missing and keeps existing content', async () => {
    const repo = makeRepo();
    rmSync(path.join(repo, '.git', 'info'), { recursive: true, force: true });
    await createTaskWorktree({ repo, baseRef: 'main', taskId: 'T1', feature: 'f' });
    expect(readFileSync(path.join(repo, '.git', 'info', 'exclude'), 'utf8')).toContain('/.agentic-sdlc/\n');

    const other = makeRepo();
    writeFileSync(path.join(other, '.git', 'info', 'exclude'), '*.log');
    await createTaskWorktree({ repo: other, baseRef: 'main', taskId: 'T1', feature: 'f' });
    const text = readFileSync(path.join(other, '.git', 'info', 'exclude'), 'utf8');
    expect(text.startsWith('*.log\n')).toBe(true);
    expect(text).toContain('/.agentic-sdlc/\n');
  });

  it('20 concurrent creations on one repository all succeed', async () => {
    const repo = makeRepo({ branch: FEATURE });
    const ids = Array.from({ length: 20 }, (_, i) => `T${String(i + 1).padStart(3, '0')}`);
    const results = await Promise.all(
      ids.map((taskId) => createTaskWorktree({ repo, baseRef: FEATURE, taskId, feature: FEATURE })),
    );
    expect(new Set(results.map((r) => r.branch)).size).toBe(20);
    for (const r of results) {
      expect(existsSync(path.join(r.path, 'README.md'))).toBe(true);
      expect(git(r.path, 'status', '--porcelain')).toBe('');
    }
    const listed = git(repo, 'worktree', 'list', '--porcelain').match(/^worktree /gm) ?? [];
    expect(listed).toHaveLength(21);
    const branches = git(repo, 'branch', '--list', `${FEATURE}-t*`, '--format=%(refname:short)').split('\n');
    expect(branches).toHaveLength(20);
  });

  it('refuses an existing branch with BranchExistsError unless reuseBranch', async () => {
    const repo = makeRepo();
    const first = await createTaskWorktree({ repo, baseRef: 'main', taskId: 'T1', feature: 'f' });
    writeFileSync(path.join(first.path, 'new.txt'), 'work\n');
    git(first.path, 'add', 'new.txt');
    git(first.path, 'commit', '-q', '-m', 'task work');
    const taskSha = git(first.path, 'rev-parse', 'HEAD');
    await removeTaskWorktree({ repo, path: first.path });

    const error = await createTaskWorktree({ repo, baseRef: 'main', taskId: 'T1', feature: 'f' }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(BranchExistsError);
    expect(error.code).toBe('E_BRANCH_EXISTS');
    expect(error.message).toMatch(/reuseBranch/);
    expect(error.message).toContain('branch -D f-t1');
    expect(git(repo, 'rev-parse', 'f-t1')).toBe(taskSha); // not overwritten

    const again = await createTaskWorktree({
      repo,
      baseRef: 'main',
      taskId: 'T1',
      feature: 'f',
      reuseBranch: true,
    });
    expect(again.reused).toBe(true);
    expect(git(again.path, 'rev-parse', 'HEAD')).toBe(taskSha);
    expect(readFileSync(path.join(again.path, 'new.txt'), 'utf8')).toBe('work\n');
  });

  it('refuses a leftover worktree of the same task, and prunes one whose directory vanished', async () => {
    const repo = makeRepo();
    const wt = await createTaskWorktree({ repo, baseRef: 'main', taskId: 'T1', feature: 'f' });
    const error = await createTaskWorktree({
      repo,
      baseRef: 'main',
      taskId: 'T1',
      feature: 'f',
      reuseBranch: true,
    }).catch((e) => e);
    expect(error).toBeInstanceOf(WorktreeExistsError);
    expect(error.code).toBe('E_WORKTREE_EXISTS');
    expect(error.message).toContain(wt.path);

    rmSync(wt.path, { recursive: true, force: true });
    const again = await createTaskWorktree({
      repo,
      baseRef: 'main',
      taskId: 'T1',
      feature: 'f',
      reuseBranch: true,
    });
    expect(again.path).toBe(wt.path);
    expect(existsSync(path.join(again.path, 'README.md'))).toBe(true);

    // An unregistered directory in the way is refused too.
    const junk = path.join(repo, '.agentic-sdlc', 'worktrees', 'f-t2');
    mkdirSync(junk, { recursive: true });
    await expect(createTaskWorktree({ repo, baseRef: 'main', taskId: 'T2', feature: 'f' })).rejects.toThrow(
      /not a registered worktree/,
    );
  });

  it('refuses to reuse a branch checked out in another worktree, prunes one whose directory vanished', async () => {
    const repo = makeRepo({ branch: 'f-t9' });
    const error = await createTaskWorktree({
      repo,
      baseRef: 'main',
      taskId: 'T9',
      feature: 'f',
      reuseBranch: true,
    }).catch((e) => e);
    expect(error).toBeInstanceOf(WorktreeExistsError);
    expect(error.message).toContain('branch f-t9 is checked out there');

    // A vanished worktree (another path) still holding the branch is pruned, then the branch is reused.
    const other = makeRepo();
    const old = await createTaskWorktree({
      repo: other,
      baseRef: 'main',
      taskId: 'T1',
      feature: 'old',
      branchTemplate: 'task-{task}',
    });
    rmSync(old.path, { recursive: true, force: true });
    const moved = await createTaskWorktree({
      repo: other,
      baseRef: 'main',
      taskId: 'T1',
      feature: 'new',
      branchTemplate: 'task-{task}',
      reuseBranch: true,
    });
    expect(moved).toMatchObject({ branch: 'task-t1', reused: true });
    expect(git(other, 'worktree', 'list', '--porcelain')).not.toContain(old.path);
  });

  it('two concurrent calls for the same task: one wins, the other gets a named error', async () => {
    const repo = makeRepo();
    const results = await Promise.allSettled([
      createTaskWorktree({ repo, baseRef: 'main', taskId: 'T1', feature: 'f', reuseBranch: true }),
      createTaskWorktree({ repo, baseRef: 'main', taskId: 'T1', feature: 'f', reuseBranch: true }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(failed.reason).toBeInstanceOf(WorktreeExistsError);
  });

  it('rejects a non-repository and an unknown base ref with named errors', async () => {
    const dir = tempDir();
    await expect(
      createTaskWorktree({ repo: dir, baseRef: 'main', taskId: 'T1', feature: 'f' }),
    ).rejects.toBeInstanceOf(NotARepoError);
    await expect(
      createTaskWorktree({ repo: path.join(dir, 'missing'), baseRef: 'main', taskId: 'T1', feature: 'f' }),
    ).rejects.toMatchObject({ code: 'E_NOT_A_REPO' });
    const repo = makeRepo();
    const error = await createTaskWorktree({ repo, baseRef: 'nope', taskId: 'T1', feature: 'f' }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(BaseRefNotFoundError);
    expect(error.code).toBe('E_BAD_REF');
    expect(git(repo, 'branch', '--list', 'f-t1')).toBe('');
  });

  it('waits for a held ref lock, and gives up with E_GIT_LOCKED after a bounded number of attempts', async () => {
    const repo = makeRepo();
    const lock = path.join(repo, '.git', 'refs', 'heads', 'f-t1.lock');
    writeFileSync(lock, '');
    setTimeout(() => rmSync(lock, { force: true }), 300);
    const wt = await createTaskWorktree({ repo, baseRef: 'main', taskId: 'T1', feature: 'f' });
    expect(wt.branch).toBe('f-t1');

    const lock2 = path.join(repo, '.git', 'refs', 'heads', 'f-t2.lock');
    writeFileSync(lock2, '');
    const error = await createTaskWorktree({
      repo,
      baseRef: 'main',
      taskId: 'T2',
      feature: 'f',
      retry: { retries: 2, minTimeoutMs: 10, maxTimeoutMs: 20 },
    }).catch((e) => e);
    expect(error).toBeInstanceOf(GitLockedError);
    expect(error.code).toBe('E_GIT_LOCKED');
    expect(error.attempts).toBe(3);
    expect(error.lockFile).toBe(lock2);
    expect(error.message).toContain('delete');
    expect(git(repo, 'branch', '--list', 'f-t2')).toBe('');
  });
});

describe('removeTaskWorktree and pruneWorktrees', () => {
  it('removes the worktree (even with untracked junk) and keeps the branch; keep is a no-op', async () => {
    const repo = makeRepo();
    const wt = await createTaskWorktree({ repo, baseRef: 'main', taskId: 'T1', feature: 'f' });
    writeFileSync(path.join(wt.path, 'junk.tmp'), 'x');
    writeFileSync(path.join(wt.path, 'README.md'), 'modified\n');

    await removeTaskWorktree({ repo, path: wt.path, keep: true });
    expect(existsSync(wt.path)).toBe(true);

    await removeTaskWorktree({ repo, path: wt.path });
    expect(existsSync(wt.path)).toBe(false);
    expect(git(repo, 'branch', '--list', 'f-t1', '--format=%(refname:short)')).toBe('f-t1');
    expect(git(repo, 'worktree', 'list', '--porcelain')).not.toContain(wt.path);
    // Idempotent.
    await removeTaskWorktree({ repo, path: wt.path });
  });

  it('prunes worktrees whose directories vanished and reports them', async () => {
    const repo = makeRepo();
    const a = await createTaskWorktree({ repo, baseRef: 'main', taskId: 'T1', feature: 'f' });
    const b = await createTaskWorktree({ repo, baseRef: 'main', taskId: 'T2', feature: 'f' });
    expect(await pruneWorktrees(repo)).toEqual([]);
    rmSync(a.path, { recursive: true, force: true });
    const pruned = await pruneWorktrees(repo);
    expect(pruned).toEqual([{ path: a.path, branch: 'f-t1', reason: expect.stringMatching(/non-existent/) }]);
    expect(git(repo, 'worktree', 'list', '--porcelain')).not.toContain(a.path);
    expect(existsSync(b.path)).toBe(true);
    expect(git(repo, 'branch', '--list', 'f-t1', '--format=%(refname:short)')).toBe('f-t1');
  });
});
