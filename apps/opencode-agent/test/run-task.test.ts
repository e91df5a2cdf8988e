import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { groupAlive } from '../src/_process.js';
import { createFixture, FEATURE, git, remoteBranch, runCli, TASKS_FILE, writeScript } from './_fixture.js';

const BRANCH = `${FEATURE}-t006`;

function worktreesLeft(repo: string): string[] {
  const dir = join(repo, '.agentic-sdlc', 'worktrees');
  return existsSync(dir) ? readdirSync(dir) : [];
}

describe('asdlc-agent run-task with --agent-cmd (real git, bare remote)', () => {
  it('commits and pushes the change with trailers; env vars set; result line last; worktree removed', async () => {
    const fx = createFixture();
    const agent = writeScript(
      fx.dir,
      'agent.sh',
      [
        'set -e',
        'mkdir -p src',
        'printf "export const sync = () => 1;\\n" > src/sync.ts',
        `printf "%s|%s|%s|%s\\n" "$ASDLC_TASK_ID" "$ASDLC_TASK_TITLE" "$ASDLC_PROMPT_FILE" "$ASDLC_WORKTREE" > ${fx.dir}/env.txt`,
        `cp "$ASDLC_PROMPT_FILE" ${fx.dir}/prompt-copy.md`,
        'echo "agent: wrote src/sync.ts"',
      ].join('\n'),
    );
    const run = await runCli(
      ['run-task', '--repo', fx.repo, '--task', 'T006', '--run', 'r1', '--agent-cmd', agent],
      fx.env,
    );
    expect(run.stderr).not.toContain('Error:');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('agent: wrote src/sync.ts');
    expect(run.stdout.at(-1)?.startsWith('ASDLC_RESULT ')).toBe(true);
    const r = run.result!;
    expect(r).toMatchObject({
      task: 'T006',
      branch: BRANCH,
      pushed: true,
      filesChanged: ['src/sync.ts'],
      outcome: 'succeeded',
      reason: null,
      tokens: null,
    });
    expect(r.baseSha).toBe(git(fx.repo, 'rev-parse', 'HEAD'));
    expect(r.sha).toMatch(/^[0-9a-f]{40}$/);

    const pushed = remoteBranch(fx.remote, BRANCH)!;
    expect(pushed.subject).toBe('feat(T006): Implement CalendarSync service in src/sync.ts');
    expect(pushed.files).toEqual(['src/sync.ts']);
    expect(pushed.body).toContain('Task: T006');
    expect(pushed.body).toContain(`Feature: ${FEATURE}`);
    expect(pushed.body).toContain('Agent: agent.sh');
    expect(git(fx.remote, 'rev-parse', BRANCH)).toBe(r.sha);
    expect(git(fx.remote, 'log', '-1', '--format=%an <%ae>', BRANCH)).toBe(
      'asdlc-agent <asdlc-agent@localhost>',
    );

    const [id, title, promptFile, worktree] = readFileSync(join(fx.dir, 'env.txt'), 'utf8').trim().split('|');
    expect(id).toBe('T006');
    expect(title).toBe('Implement CalendarSync service in src/sync.ts');
    expect(promptFile).toBe(join(worktree!, '.agentic-sdlc', 'prompt-T006.md'));
    const prompt = readFileSync(join(fx.dir, 'prompt-copy.md'), 'utf8');
    expect(prompt).toContain('- [ ] T006 [P] [ASYNC] [US1] Implement CalendarSync service in src/sync.ts');
    expect(prompt).toContain('keep it dependency-free');
    expect(prompt).toContain('SPEC-MARKER-42');

    expect(worktreesLeft(fx.repo)).toEqual([]);
    expect(git(fx.repo, 'branch', '--list', BRANCH)).toContain(BRANCH);
    expect(git(fx.repo, 'status', '--porcelain')).toBe('');
    const file = join(fx.repo, '.agentic-sdlc', 'runs', 'r1', 'T006.json');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(r);
    expect(JSON.parse(readFileSync(join(fx.dir, 'termination-log'), 'utf8'))).toEqual(r);
  });

  it('uses test/chore commit types and the author from flags', async () => {
    const fx = createFixture();
    const agent = writeScript(fx.dir, 'agent.sh', 'mkdir -p tests && echo t > tests/sync.test.ts');
    const run = await runCli(
      [
        'run-task',
        '--repo',
        fx.repo,
        '--task',
        'T005',
        '--agent-cmd',
        agent,
        '--author-name',
        'Bot',
        '--author-email',
        'bot@x',
      ],
      fx.env,
    );
    expect(run.result?.outcome).toBe('succeeded');
    expect(git(fx.remote, 'log', '-1', '--format=%s|%an <%ae>', `${FEATURE}-t005`)).toBe(
      'test(T005): Contract test for the sync endpoint in tests/contract/sync.test.ts|Bot <bot@x>',
    );
  });

  it('agent exits non-zero → failed, nothing pushed, exit 1, worktree removed', async () => {
    const fx = createFixture();
    const agent = writeScript(fx.dir, 'agent.sh', 'echo partial > partial.txt; echo "boom" >&2; exit 3');
    const run = await runCli(['run-task', '--repo', fx.repo, '--task', 'T006', '--agent-cmd', agent], fx.env);
    expect(run.code).toBe(1);
    expect(run.result).toMatchObject({ outcome: 'failed', pushed: false, sha: null, branch: BRANCH });
    expect(run.result?.reason).toBe('agent command (agent.sh) exited with code 3');
    expect(remoteBranch(fx.remote, BRANCH)).toBeNull();
    expect(worktreesLeft(fx.repo)).toEqual([]);
  });

  it('--timeout 5s with a hanging agent → timed-out in bounded time, the process group is dead', async () => {
    const fx = createFixture();
    const pidFile = join(fx.dir, 'agent.pid');
    const run = await runCli(
      [
        'run-task',
        '--repo',
        fx.repo,
        '--task',
        'T006',
        '--timeout',
        '5s',
        '--kill-grace',
        '2s',
        '--agent-cmd',
        `echo $$ > ${pidFile}; sleep 600`,
      ],
      fx.env,
    );
    expect(run.code).toBe(1);
    expect(run.result).toMatchObject({ outcome: 'timed-out', pushed: false });
    expect(run.result?.reason).toMatch(/exceeded the timeout of 5s/);
    expect(run.ms).toBeLessThan(15_000);
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    expect(groupAlive(pid)).toBe(false);
    expect(worktreesLeft(fx.repo)).toEqual([]);
  }, 30_000);

  it('a pre-receive hook rejecting the push → failed with the hook message', async () => {
    const fx = createFixture();
    mkdirSync(join(fx.remote, 'hooks'), { recursive: true });
    writeFileSync(
      join(fx.remote, 'hooks', 'pre-receive'),
      '#!/bin/sh\necho "POLICY: task branches need review (hook says no)" >&2\nexit 1\n',
    );
    chmodSync(join(fx.remote, 'hooks', 'pre-receive'), 0o755);
    const agent = writeScript(fx.dir, 'agent.sh', 'echo x > x.txt');
    const run = await runCli(['run-task', '--repo', fx.repo, '--task', 'T006', '--agent-cmd', agent], fx.env);
    expect(run.code).toBe(1);
    expect(run.result).toMatchObject({ outcome: 'failed', pushed: false, filesChanged: ['x.txt'] });
    expect(run.result?.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(run.result?.reason).toContain('POLICY: task branches need review (hook says no)');
    expect(run.result?.reason).toMatch(/^push rejected: /);
    expect(remoteBranch(fx.remote, BRANCH)).toBeNull();
  });

  it('no change → no-changes, exit 0, nothing pushed', async () => {
    const fx = createFixture();
    const run = await runCli(
      ['run-task', '--repo', fx.repo, '--task', 'T006', '--agent-cmd', 'echo nothing to do'],
      fx.env,
    );
    expect(run.code).toBe(0);
    expect(run.result).toMatchObject({ outcome: 'no-changes', pushed: false, sha: null, filesChanged: [] });
    expect(remoteBranch(fx.remote, BRANCH)).toBeNull();
  });

  it('unknown task id → exit 2 with the file and similar ids', async () => {
    const fx = createFixture();
    const run = await runCli(
      ['run-task', '--repo', fx.repo, '--task', 'T060', '--agent-cmd', 'true'],
      fx.env,
    );
    expect(run.code).toBe(2);
    expect(run.result?.outcome).toBe('failed');
    expect(run.stderr).toContain(`unknown task T060 in ${TASKS_FILE}`);
    expect(run.stderr).toMatch(/similar ids: T006, /);
  });

  it('usage errors exit 2: missing --task, bad --timeout, not a repository', async () => {
    const fx = createFixture();
    expect((await runCli(['run-task', '--repo', fx.repo], fx.env)).code).toBe(2);
    const bad = await runCli(['run-task', '--repo', fx.repo, '--task', 'T006', '--timeout', 'soon'], fx.env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('invalid duration "soon"');
    const notRepo = await runCli(
      ['run-task', '--repo', fx.dir, '--task', 'T006', '--agent-cmd', 'true'],
      fx.env,
    );
    expect(notRepo.code).toBe(2);
    expect(notRepo.stderr).toContain('is not inside one');
  });

  it('--reuse-branch re-runs on the existing task branch and pushes on top of it', async () => {
    const fx = createFixture();
    const first = writeScript(fx.dir, 'a1.sh', 'echo one > one.txt');
    expect(
      (await runCli(['run-task', '--repo', fx.repo, '--task', 'T006', '--agent-cmd', first], fx.env)).code,
    ).toBe(0);
    const again = await runCli(
      ['run-task', '--repo', fx.repo, '--task', 'T006', '--agent-cmd', first],
      fx.env,
    );
    expect(again.code).toBe(1);
    expect(again.result?.reason).toMatch(/already exists/);
    const second = writeScript(fx.dir, 'a2.sh', 'echo two > two.txt');
    const rerun = await runCli(
      ['run-task', '--repo', fx.repo, '--task', 'T006', '--agent-cmd', second, '--reuse-branch'],
      fx.env,
    );
    expect(rerun.result).toMatchObject({ outcome: 'succeeded', pushed: true, filesChanged: ['two.txt'] });
    expect(git(fx.remote, 'log', '--format=%s', BRANCH).split('\n')).toHaveLength(3);
  });

  it('clones a URL repository shallow and pushes back to it', async () => {
    const fx = createFixture();
    const agent = writeScript(fx.dir, 'agent.sh', 'echo cloned > c.txt');
    const run = await runCli(
      [
        'run-task',
        '--repo',
        `file://${fx.remote}`,
        '--base',
        FEATURE,
        '--task',
        'T007',
        '--agent-cmd',
        agent,
        '--work-dir',
        join(fx.dir, 'work'),
      ],
      fx.env,
    );
    expect(run.stderr).toContain('cloning file://');
    expect(run.result).toMatchObject({ outcome: 'succeeded', pushed: true, branch: `${FEATURE}-t007` });
    expect(remoteBranch(fx.remote, `${FEATURE}-t007`)?.files).toEqual(['c.txt']);
  });
});
