import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { addBareRemote, cleanupTempDirs, git, installHook, makeRepo, tempDir } from '../test/_helpers.js';
import { commitTaskChanges } from './commit.js';
import { PushFailedError, PushRejectedError } from './errors.js';
import { classifyPushFailure, pushBranch, remoteBranchSha } from './push.js';
import { createTaskWorktree, removeTaskWorktree } from './worktree.js';

afterAll(cleanupTempDirs);

const fast = { retries: 2, minTimeoutMs: 10, maxTimeoutMs: 20 };

async function setup() {
  const repo = makeRepo({ branch: '042-calendar-sync' });
  const bare = addBareRemote(repo);
  const wt = await createTaskWorktree({
    repo,
    baseRef: 'HEAD',
    taskId: 'T006',
    feature: '042-calendar-sync',
  });
  return { repo, bare, wt };
}

async function change(worktree: string, file: string, content: string): Promise<string> {
  writeFileSync(path.join(worktree, file), content);
  const { sha } = await commitTaskChanges({
    worktree,
    message: `feat(T006): ${file}`,
    trailers: { Task: 'T006' },
  });
  return sha!;
}

describe('pushBranch', () => {
  it('pushes HEAD to refs/heads/<branch> on a bare remote', async () => {
    const { repo, bare, wt } = await setup();
    expect(await remoteBranchSha({ repo, remote: 'origin', branch: wt.branch })).toBeNull();
    const sha = await change(wt.path, 'a.txt', 'a\n');
    const result = await pushBranch({ worktree: wt.path, branch: wt.branch });
    expect(result).toEqual({ pushed: true, remoteSha: sha });
    expect(git(bare, 'rev-parse', `refs/heads/${wt.branch}`)).toBe(sha);
    expect(await remoteBranchSha({ repo, remote: 'origin', branch: wt.branch })).toBe(sha);
    expect(await remoteBranchSha({ repo, branch: 'missing' })).toBeNull();
    // Pushing again is a no-op success.
    await expect(pushBranch({ worktree: wt.path, branch: wt.branch })).resolves.toEqual(result);
  });

  it('rejects a non-fast-forward with git reason and never forces; forceWithLease re-run works, fails when the remote moved', async () => {
    const { repo, bare, wt } = await setup();
    const first = await change(wt.path, 'a.txt', 'first run\n');
    await pushBranch({ worktree: wt.path, branch: wt.branch });
    await removeTaskWorktree({ repo, path: wt.path });
    git(repo, 'branch', '-D', wt.branch);

    // A re-run of the same task starts again from the base: a diverging history.
    const rerun = await createTaskWorktree({
      repo,
      baseRef: 'HEAD',
      taskId: 'T006',
      feature: '042-calendar-sync',
    });
    const second = await change(rerun.path, 'a.txt', 'second run\n');
    const error = await pushBranch({ worktree: rerun.path, branch: rerun.branch, retry: fast }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(PushRejectedError);
    expect(error.code).toBe('E_PUSH_REJECTED');
    expect(error.message).toMatch(/! \[rejected\].*\((fetch first|non-fast-forward)\)/);
    expect(error.reason).not.toMatch(/^hint:/m);
    expect(git(bare, 'rev-parse', `refs/heads/${rerun.branch}`)).toBe(first);

    // The caller knows the remote is at its own previous run: lease on that sha.
    const leased = await pushBranch({
      worktree: rerun.path,
      branch: rerun.branch,
      forceWithLease: { expectedSha: first },
    });
    expect(leased.remoteSha).toBe(second);
    expect(git(bare, 'rev-parse', `refs/heads/${rerun.branch}`)).toBe(second);

    // Someone else pushes on top: the lease no longer holds.
    const other = path.join(tempDir(), 'other');
    git(path.dirname(other), 'clone', '-q', '--branch', rerun.branch, bare, other);
    writeFileSync(path.join(other, 'b.txt'), 'someone else\n');
    git(other, 'add', 'b.txt');
    git(other, 'commit', '-q', '-m', 'human fix');
    git(other, 'push', '-q', 'origin', rerun.branch);
    const moved = git(other, 'rev-parse', 'HEAD');
    await change(rerun.path, 'c.txt', 'third\n');
    const stale = await pushBranch({
      worktree: rerun.path,
      branch: rerun.branch,
      forceWithLease: { expectedSha: second },
    }).catch((e) => e);
    expect(stale).toBeInstanceOf(PushRejectedError);
    expect(stale.message).toMatch(/stale info/);
    expect(git(bare, 'rev-parse', `refs/heads/${rerun.branch}`)).toBe(moved);

    // expectedSha null means "must not exist yet".
    const absent = await pushBranch({
      worktree: rerun.path,
      branch: `${rerun.branch}-copy`,
      forceWithLease: { expectedSha: null },
    });
    expect(absent.pushed).toBe(true);
  });

  it('a pre-receive hook rejection carries the hook message', async () => {
    const { bare, wt } = await setup();
    installHook(
      bare,
      'pre-receive',
      '#!/bin/sh\necho "POLICY: pushes to task branches need approval (ticket OPS-42)" >&2\nexit 1\n',
    );
    await change(wt.path, 'a.txt', 'a\n');
    const error = await pushBranch({ worktree: wt.path, branch: wt.branch, retry: fast }).catch((e) => e);
    expect(error).toBeInstanceOf(PushRejectedError);
    expect(error.message).toContain('remote: POLICY: pushes to task branches need approval (ticket OPS-42)');
    expect(error.message).toContain('pre-receive hook declined');
    expect(error.branch).toBe(wt.branch);
    expect(git(bare, 'branch', '--list', wt.branch)).toBe('');
  });

  it('retries transient failures with bounded backoff', async () => {
    const { repo, bare, wt } = await setup();
    await change(wt.path, 'a.txt', 'a\n');
    const dir = tempDir();
    const counter = path.join(dir, 'attempts');
    const script = path.join(dir, 'flaky-receive-pack.sh');
    // Fails like a dropped connection on the first two attempts, then behaves.
    writeFileSync(
      script,
      `#!/bin/sh\necho x >> "${counter}"\nif [ "$(wc -l < "${counter}")" -le 2 ]; then echo "fatal: Connection reset by peer" >&2; exit 128; fi\nexec git-receive-pack "$@"\n`,
    );
    chmodSync(script, 0o755);
    git(repo, 'config', 'remote.origin.receivepack', script);
    const result = await pushBranch({ worktree: wt.path, branch: wt.branch, retry: fast });
    expect(result.pushed).toBe(true);
    expect(readFileSync(counter, 'utf8').trim().split('\n')).toHaveLength(3);
    expect(git(bare, 'rev-parse', `refs/heads/${wt.branch}`)).toBe(result.remoteSha);

    // Always failing: a clear error after retries + 1 attempts.
    writeFileSync(script, '#!/bin/sh\necho "fatal: Connection reset by peer" >&2\nexit 128\n');
    const error = await pushBranch({ worktree: wt.path, branch: `${wt.branch}-2`, retry: fast }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(PushFailedError);
    expect(error.code).toBe('E_PUSH_FAILED');
    expect(error.attempts).toBe(3);
    expect(error.message).toMatch(/Connection reset by peer/);
  });

  it('kills a push that hangs after timeoutMs and treats it as transient', async () => {
    const { repo, wt } = await setup();
    await change(wt.path, 'a.txt', 'a\n');
    const script = path.join(tempDir(), 'hang.sh');
    writeFileSync(script, '#!/bin/sh\nsleep 3\nexec git-receive-pack "$@"\n');
    chmodSync(script, 0o755);
    git(repo, 'config', 'remote.origin.receivepack', script);
    const started = Date.now();
    const error = await pushBranch({
      worktree: wt.path,
      branch: wt.branch,
      timeoutMs: 300,
      retry: { retries: 1, minTimeoutMs: 10, maxTimeoutMs: 10 },
    }).catch((e) => e);
    expect(error).toBeInstanceOf(PushFailedError);
    expect(error.attempts).toBe(2);
    expect(error.message).toMatch(/timed out/);
    expect(Date.now() - started).toBeLessThan(5000); // not 2 × 3 s: the hung pushes were killed
  });

  it('fails fast on a missing remote repository and rejects on an auth failure', async () => {
    const { wt } = await setup();
    await change(wt.path, 'a.txt', 'a\n');
    const missing = path.join(tempDir(), 'nope.git');
    const error = await pushBranch({
      worktree: wt.path,
      remote: missing,
      branch: wt.branch,
      retry: fast,
    }).catch((e) => e);
    expect(error).toBeInstanceOf(PushFailedError);
    expect(error.attempts).toBe(1);
    expect(existsSync(missing)).toBe(false);

    const server = createServer((_req, res) => {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' }).end('auth required');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/repo.git`;
      const auth = await pushBranch({ worktree: wt.path, remote: url, branch: wt.branch, retry: fast }).catch(
        (e) => e,
      );
      expect(auth).toBeInstanceOf(PushRejectedError);
      expect(auth.message).toMatch(/could not read Username|Authentication failed/);
    } finally {
      server.close();
    }
  });

  it('classifies git failures', () => {
    expect(classifyPushFailure(' ! [rejected]        HEAD -> b (non-fast-forward)')).toBe('rejected');
    expect(classifyPushFailure("fatal: unable to access 'https://x/': Failed to connect")).toBe('transient');
    expect(
      classifyPushFailure('Permission denied (publickey).\nfatal: Could not read from remote repository.'),
    ).toBe('rejected');
    expect(classifyPushFailure("fatal: '/x' does not appear to be a git repository")).toBe('permanent');
    expect(classifyPushFailure('error: RPC failed; HTTP 502 curl 22')).toBe('transient');
  });
});
