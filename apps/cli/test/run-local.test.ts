import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { asdlc, CLI_BIN, GIT_ENV, git, makeRepo, removeTempDirs, tempDir } from './helpers.js';

afterAll(removeTempDirs);

const TASKS = `# Tasks: Widgets

## Phase 1: Setup

- [X] T001 Create the project

## Phase 2: User Story 1 - Widgets (Priority: P1)

- [ ] T006 [P] [ASYNC] [US1] Write a in src/a.txt
- [ ] T007 [P] [ASYNC] [US1] Write b in src/b.txt
- [ ] T008 [P] [ASYNC] [US1] Write c in src/c.txt
- [ ] T009 [ASYNC] [US1] Combine them in src/all.txt (depends on T006–T008)
- [ ] T010 [SYNC] [US1] Review the widgets
`;

/** A shell agent whose behaviour per task is chosen by env: AGENT_FAIL, AGENT_HANG, AGENT_NOCHANGE (task ids). */
function agentScript(): string {
  const path = join(tempDir('asdlc-agent-'), 'agent.sh');
  writeFileSync(
    path,
    `#!/bin/sh
set -e
echo "agent starting $ASDLC_TASK_ID: $ASDLC_TASK_TITLE"
test -f "$ASDLC_PROMPT_FILE" && echo "prompt has $(wc -l < "$ASDLC_PROMPT_FILE") lines"
case " $AGENT_FAIL " in *" $ASDLC_TASK_ID "*) echo "cannot do $ASDLC_TASK_ID" >&2; exit 3;; esac
case " $AGENT_HANG " in *" $ASDLC_TASK_ID "*) sleep 600;; esac
case " $AGENT_NOCHANGE " in *" $ASDLC_TASK_ID "*) echo "nothing to do"; exit 0;; esac
mkdir -p src
echo "$ASDLC_TASK_ID was here" > "src/$ASDLC_TASK_ID.txt"
echo "wrote src/$ASDLC_TASK_ID.txt"
`,
  );
  chmodSync(path, 0o755);
  return path;
}

function setup() {
  const repo = makeRepo(
    { 'specs/001-widgets/tasks.md': TASKS, 'README.md': '# widgets\n' },
    { branch: '001-widgets' },
  );
  return { repo, agent: agentScript() };
}

function remoteBranches(remote: string): string[] {
  return git(remote, 'for-each-ref', '--format=%(refname:short)', 'refs/heads')
    .split('\n')
    .filter((b) => b && b !== '001-widgets');
}

function summaryOf(stdout: string) {
  const last = stdout.trim().split('\n').at(-1)!;
  const summary = JSON.parse(last);
  expect(summary.type).toBe('summary');
  return Object.fromEntries(summary.tasks.map((t: { id: string }) => [t.id, t])) as Record<
    string,
    Record<string, unknown>
  >;
}

describe('asdlc run --executor local (shell agent)', () => {
  it('runs 4 [ASYNC] tasks, 4 at once: one branch each, pushed; dependencies respected; tasks marked done', () => {
    const { repo, agent } = setup();
    const res = asdlc(['run', '--agent-cmd', agent, '--parallel', '4', '--json'], { cwd: repo.dir });
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    const tasks = summaryOf(res.stdout);
    for (const id of ['T006', 'T007', 'T008', 'T009'])
      expect(tasks[id]).toMatchObject({ outcome: 'succeeded', pushed: true });
    expect(tasks.T010).toBeUndefined();
    expect(remoteBranches(repo.remote).sort()).toEqual(
      ['001-widgets-t006', '001-widgets-t007', '001-widgets-t008', '001-widgets-t009'].sort(),
    );
    for (const id of ['T006', 'T007', 'T008', 'T009']) {
      const branch = `001-widgets-${id.toLowerCase()}`;
      // Each task's own commit holds exactly its change.
      expect(git(repo.remote, 'diff', '--name-only', `${branch}^`, branch)).toBe(`src/${id}.txt`);
      expect(git(repo.remote, 'log', '-1', '--format=%(trailers:key=Task,valueonly)', branch)).toBe(id);
    }
    // T006–T008 start from the run's base; T009, which depends on them, starts from their combined work.
    for (const id of ['T006', 'T007', 'T008']) {
      expect(git(repo.remote, 'diff', '--name-only', `001-widgets..001-widgets-${id.toLowerCase()}`)).toBe(
        `src/${id}.txt`,
      );
    }
    expect(git(repo.remote, 'ls-tree', '--name-only', '001-widgets-t009', 'src/').split('\n')).toEqual([
      'src/T006.txt',
      'src/T007.txt',
      'src/T008.txt',
      'src/T009.txt',
    ]);
    // Every log line arrives prefixed by its task, once.
    const lines = res.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    for (const id of ['T006', 'T007', 'T008', 'T009']) {
      expect(
        lines.filter((r) => r.type === 'log' && r.task === id && r.line === `wrote src/${id}.txt`),
      ).toHaveLength(1);
    }
    // T009 started only after T006–T008 finished.
    const index = (pred: (r: { type: string; task: string; state: string }) => boolean) =>
      lines.findIndex(pred);
    const t009Start = index((r) => r.type === 'status' && r.task === 'T009' && r.state === 'started');
    for (const id of ['T006', 'T007', 'T008']) {
      expect(index((r) => r.type === 'status' && r.task === id && r.state === 'succeeded')).toBeLessThan(
        t009Start,
      );
    }
    // No worktree left; the main checkout's only change is the four [X] marks.
    const worktrees = join(repo.dir, '.agentic-sdlc', 'worktrees');
    expect(existsSync(worktrees) ? readdirSync(worktrees) : []).toEqual([]);
    expect(git(repo.dir, 'status', '--porcelain')).toBe('M specs/001-widgets/tasks.md');
    const diff = git(repo.dir, 'diff', '-U0', '--no-color')
      .split('\n')
      .filter((l) => /^[-+]- /.test(l));
    expect(diff).toHaveLength(8);
    expect(readFileSync(join(repo.dir, 'specs/001-widgets/tasks.md'), 'utf8')).toBe(
      TASKS.replace(/- \[ \] (T00[6-9])/g, '- [X] $1'),
    );
  });

  it('reports each failure with a readable reason while the other tasks go on', () => {
    const { repo, agent } = setup();
    // T006 fails, T007 hangs past the timeout, T008 changes nothing; T009 is blocked by them.
    const res = asdlc(['run', '--agent-cmd', agent, '--parallel', '4', '--timeout', '5s', '--json'], {
      cwd: repo.dir,
      env: { AGENT_FAIL: 'T006', AGENT_HANG: 'T007', AGENT_NOCHANGE: 'T008' },
    });
    expect(res.status).toBe(1);
    const tasks = summaryOf(res.stdout);
    expect(tasks.T006).toMatchObject({ outcome: 'failed' });
    expect(String(tasks.T006!.reason)).toMatch(/exit(ed)?.*3|code 3/i);
    expect(tasks.T007).toMatchObject({ outcome: 'timed-out' });
    expect(tasks.T008).toMatchObject({ outcome: 'no-changes', pushed: false });
    expect(tasks.T009).toMatchObject({ outcome: 'blocked' });
    // Blocked by whichever of its prerequisites ended first without success.
    expect(String(tasks.T009!.reason)).toMatch(/not started: T00[678] (failed|timed-out|no-changes)/);
    expect(remoteBranches(repo.remote)).toEqual([]);
    expect(git(repo.dir, 'status', '--porcelain')).toBe('');
  });

  it("fails the task whose push the remote rejects, with the hook's reason", () => {
    const { repo, agent } = setup();
    const hook = join(repo.remote, 'hooks', 'pre-receive');
    writeFileSync(
      hook,
      '#!/bin/sh\nwhile read old new ref; do case "$ref" in *t007) echo "policy: t007 is frozen" >&2; exit 1;; esac; done\n',
    );
    chmodSync(hook, 0o755);
    const res = asdlc(['run', '--agent-cmd', agent, '--tasks', 'T006,T007', '--json'], { cwd: repo.dir });
    expect(res.status).toBe(1);
    const tasks = summaryOf(res.stdout);
    expect(tasks.T006).toMatchObject({ outcome: 'succeeded', pushed: true });
    expect(tasks.T007).toMatchObject({ outcome: 'failed', pushed: false });
    expect(String(tasks.T007!.reason)).toContain('policy: t007 is frozen');
    expect(remoteBranches(repo.remote)).toEqual(['001-widgets-t006']);
  });

  it('refuses bad input with clear errors', () => {
    const { repo, agent } = setup();
    const unknown = asdlc(['run', '--agent-cmd', agent, '--tasks', 'T066'], { cwd: repo.dir });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('unknown task id "T066"');

    const sync = asdlc(['run', '--agent-cmd', agent, '--tasks', 'T010'], { cwd: repo.dir });
    expect(sync.status).toBe(2);
    expect(sync.stderr).toContain('[SYNC]');
    expect(sync.stderr).toContain('--force-sync');

    const missing = asdlc(['run', 'specs/404-none/tasks.md', '--agent-cmd', agent], { cwd: repo.dir });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('specs/404-none/tasks.md');

    const noRemote = makeRepo(
      { 'specs/001-widgets/tasks.md': TASKS },
      { branch: '001-widgets', remote: false },
    );
    const nr = asdlc(['run', '--agent-cmd', agent], { cwd: noRemote.dir });
    expect(nr.status).toBe(2);
    expect(nr.stderr).toContain('git remote add origin');

    writeFileSync(join(repo.dir, 'specs/001-widgets/spec.md'), '# uncommitted\n');
    const dirty = asdlc(['run', '--agent-cmd', agent], { cwd: repo.dir });
    expect(dirty.status).toBe(2);
    expect(dirty.stderr).toContain('uncommitted changes');
    expect(dirty.stderr).toContain('--allow-dirty');
    expect(remoteBranches(repo.remote)).toEqual([]);
  });

  it('prints the plan with --dry-run and starts nothing', () => {
    const { repo, agent } = setup();
    const res = asdlc(['run', '--agent-cmd', agent, '--dry-run'], { cwd: repo.dir });
    expect(res.status).toBe(0);
    expect(res.stdout).toContain('Would run 4 task(s)');
    expect(remoteBranches(repo.remote)).toEqual([]);
  });

  it('--detach prints the run id at once; the run records its state and every event on disk', async () => {
    const { repo, agent } = setup();
    const res = asdlc(['run', '--agent-cmd', agent, '--tasks', 'T006,T007', '--detach', '--json'], {
      cwd: repo.dir,
    });
    expect(res.status).toBe(0);
    const { runId, dir } = JSON.parse(res.stdout);
    expect(runId).toMatch(/^r\d{8}-\d{6}-/);
    const runFile = join(dir, 'run.json');
    let run: { state: string; tasks: { id: string; state: string; outcome?: string }[] } | null = null;
    for (let i = 0; i < 120; i++) {
      if (existsSync(runFile)) {
        run = JSON.parse(readFileSync(runFile, 'utf8'));
        if (run!.state !== 'running') break;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(run).toMatchObject({ state: 'finished' });
    expect(run!.tasks.map((t) => [t.id, t.state, t.outcome])).toEqual([
      ['T006', 'finished', 'succeeded'],
      ['T007', 'finished', 'succeeded'],
    ]);
    const events = readFileSync(join(dir, 'events.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events.filter((e) => e.type === 'log' && e.line === 'wrote src/T006.txt')).toHaveLength(1);
    expect(
      events
        .filter((e) => e.type === 'status' && e.state === 'succeeded')
        .map((e) => e.task)
        .sort(),
    ).toEqual(['T006', 'T007']);
    expect(remoteBranches(repo.remote).sort()).toEqual(['001-widgets-t006', '001-widgets-t007']);
  });

  it('Ctrl-C stops the agents gracefully: the run reports them cancelled and exits 130', async () => {
    const { repo, agent } = setup();
    const child = spawn(
      process.execPath,
      [CLI_BIN, 'run', '--agent-cmd', agent, '--tasks', 'T006,T007', '--json'],
      {
        cwd: repo.dir,
        env: { ...process.env, ...GIT_ENV, AGENT_HANG: 'T006 T007' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    for (let i = 0; i < 100 && (stdout.match(/agent starting/g) ?? []).length < 2; i++) {
      await new Promise((r) => setTimeout(r, 200));
    }
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(130);
    const tasks = summaryOf(stdout);
    expect(tasks.T006).toMatchObject({ outcome: 'cancelled' });
    expect(tasks.T007).toMatchObject({ outcome: 'cancelled' });
    expect(remoteBranches(repo.remote)).toEqual([]);
  });

  it("writes the agentic-sdlc fork's delegation outcome files next to its delegation prompts", () => {
    const { repo, agent } = setup();
    const state = join(repo.dir, 'specs/001-widgets/.async_state');
    for (const id of ['T006', 'T007']) {
      mkdirSync(join(state, 'delegation_prompts'), { recursive: true });
      writeFileSync(
        join(state, 'delegation_prompts', `${id}.md`),
        `# Delegation Request\n\n**Task ID:** ${id}\n`,
      );
    }
    git(repo.dir, 'add', '-A');
    git(repo.dir, 'commit', '-qm', 'delegations');
    const res = asdlc(['run', '--agent-cmd', agent, '--tasks', 'T006,T007', '--json'], {
      cwd: repo.dir,
      env: { AGENT_FAIL: 'T007' },
    });
    expect(res.status).toBe(1);
    expect(readFileSync(join(state, 'delegation_completed/T006.txt'), 'utf8')).toMatch(
      /branch 001-widgets-t006 commit [0-9a-f]{40}/,
    );
    expect(readFileSync(join(state, 'delegation_errors/T007.txt'), 'utf8')).toMatch(/^failed: /);
    expect(existsSync(join(state, 'delegation_errors/T006.txt'))).toBe(false);
    // The outcome files are the runner's own: they do not make the next run refuse a dirty feature folder.
    const again = asdlc(['run', '--agent-cmd', agent, '--tasks', 'T007', '--json'], { cwd: repo.dir });
    expect(again.stderr).not.toContain('uncommitted changes');
    // The failed run left its branch: it is never reused silently…
    expect(again.status).toBe(1);
    expect(String(summaryOf(again.stdout).T007!.reason)).toContain('--rerun');
    // …only when asked.
    const rerun = asdlc(['run', '--agent-cmd', agent, '--tasks', 'T007', '--rerun', '--json'], {
      cwd: repo.dir,
    });
    expect(rerun.status).toBe(0);
    expect(summaryOf(rerun.stdout).T007).toMatchObject({ outcome: 'succeeded', pushed: true });
  });
});
