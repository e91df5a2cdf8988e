// status / logs / cancel / cleanup / attach on local run records (no cluster): the built binary reads
// `.agentic-sdlc/runs/<id>/{run.json, events.ndjson}` written by hand here.
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { asdlc, CLI_BIN, GIT_ENV, makeRepo, removeTempDirs } from './helpers.js';

afterAll(removeTempDirs);

const now = Date.now();
const iso = (msAgo: number) => new Date(now - msAgo).toISOString();

function writeRun(
  dir: string,
  runId: string,
  overrides: Record<string, unknown> = {},
  events: Record<string, unknown>[] = [],
) {
  const runDir = join(dir, '.agentic-sdlc', 'runs', runId);
  mkdirSync(runDir, { recursive: true });
  const run = {
    runId,
    executor: 'local',
    file: 'specs/001-widgets/tasks.md',
    base: 'a'.repeat(40),
    pid: 999_999_999,
    startedAt: iso(60_000),
    finishedAt: iso(1_000),
    state: 'finished',
    tasks: [
      {
        id: 'T006',
        key: 'T006',
        title: 'Write a',
        state: 'finished',
        outcome: 'succeeded',
        branch: '001-widgets-t006',
        sha: 'b'.repeat(40),
        pushed: true,
        durationMs: 12_000,
        reason: null,
      },
      {
        id: 'T007',
        key: 'T007',
        title: 'Write b',
        state: 'finished',
        outcome: 'failed',
        branch: '001-widgets-t007',
        sha: null,
        durationMs: 3_000,
        reason: 'agent exited with code 3',
      },
    ],
    ...overrides,
  };
  writeFileSync(join(runDir, 'run.json'), JSON.stringify(run, null, 2));
  writeFileSync(join(runDir, 'events.ndjson'), events.map((e) => `${JSON.stringify(e)}\n`).join(''));
  return runDir;
}

const log = (task: string, line: string, msAgo: number) => ({
  type: 'log',
  task,
  source: 'pid:1',
  ts: iso(msAgo),
  line,
});

function setup() {
  const repo = makeRepo({ 'README.md': '# widgets\n' }, { branch: '001-widgets' });
  writeRun(repo.dir, 'r-old', { startedAt: iso(3_600_000) }, [log('T006', 'old run line', 3_600_000)]);
  writeRun(repo.dir, 'r-new', {}, [
    {
      type: 'status',
      task: 'T006',
      ts: iso(50 * 60_000),
      state: 'started',
      message: 'T006 started: Write a',
    },
    log('T006', 'a one', 40 * 60_000),
    log('T007', 'b one', 20 * 60_000),
    log('T006', 'a two', 10 * 60_000),
    log('T006', 'a three', 5 * 60_000),
    log('T007', 'b two', 60_000),
  ]);
  return repo;
}

describe('asdlc status (local run records)', () => {
  it('shows the latest run by default, as JSON when asked', () => {
    const repo = setup();
    const res = asdlc(['status', '--json'], { cwd: repo.dir });
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    const view = JSON.parse(res.stdout);
    expect(view).toMatchObject({ runId: 'r-new', executor: 'local', state: 'finished' });
    expect(view.tasks).toEqual([
      expect.objectContaining({ id: 'T006', state: 'succeeded', sha: 'b'.repeat(40), durationMs: 12_000 }),
      expect.objectContaining({ id: 'T007', state: 'failed', reason: 'agent exited with code 3' }),
    ]);
  });

  it('prints a table for a named run; a running run whose process died is stale', () => {
    const repo = setup();
    const table = asdlc(['status', 'r-new', '--no-json'], { cwd: repo.dir });
    expect(table.status).toBe(0);
    expect(table.stdout).toMatch(/^Run r-new \(local\) finished/);
    expect(table.stdout).toMatch(/^T006 +succeeded +001-widgets-t006 +bbbbbbbbbb +12s/m);
    expect(table.stdout).toMatch(/^T007 +failed +001-widgets-t007 +- +3s +agent exited with code 3/m);
    expect(table.stdout).toMatch(/1 succeeded · 1 failed/);

    writeRun(repo.dir, 'r-dead', {
      state: 'running',
      finishedAt: null,
      tasks: [{ id: 'T006', key: 'T006', title: 'Write a', state: 'running' }],
    });
    const stale = JSON.parse(asdlc(['status', 'r-dead', '--json'], { cwd: repo.dir }).stdout);
    expect(stale).toMatchObject({ state: 'stale', tasks: [{ id: 'T006', state: 'stale' }] });
  });

  it('names the runs it knows when the run does not exist', () => {
    const repo = setup();
    const res = asdlc(['status', 'nope'], { cwd: repo.dir });
    expect(res.status).toBe(2);
    expect(res.stderr).toContain('no run "nope"');
    expect(res.stderr).toContain('r-old');
    const empty = makeRepo({ 'README.md': 'x\n' });
    const none = asdlc(['status'], { cwd: empty.dir });
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('no runs in');
  });
});

describe('asdlc logs (local run records)', () => {
  it('prints every line of the latest run, prefixed by task; filters by task, --since and --tail', () => {
    const repo = setup();
    const text = asdlc(['logs', '--no-json'], { cwd: repo.dir });
    expect(text.status).toBe(0);
    expect(text.stdout.trim().split('\n')).toEqual([
      'T006 ▸ T006 started: Write a',
      'T006 │ a one',
      'T007 │ b one',
      'T006 │ a two',
      'T006 │ a three',
      'T007 │ b two',
    ]);
    const lines = (args: string[]) =>
      asdlc(['logs', ...args, '--json'], { cwd: repo.dir })
        .stdout.trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
        .filter((r) => r.type === 'log')
        .map((r) => `${r.task} ${r.line}`);
    expect(lines(['t007'])).toEqual(['T007 b one', 'T007 b two']);
    expect(lines(['--since', '15m'])).toEqual(['T006 a two', 'T006 a three', 'T007 b two']);
    expect(lines(['--tail', '1'])).toEqual(['T006 a three', 'T007 b two']);
    expect(lines(['T006', '--tail', '2', '--since', '30m'])).toEqual(['T006 a two', 'T006 a three']);
    expect(lines(['--run', 'r-old'])).toEqual(['T006 old run line']);
    const bad = asdlc(['logs', 'T099'], { cwd: repo.dir });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('run r-new has no task "T099"; its tasks: T006, T007');
  });

  it('-f follows a running run and ends when it ends', async () => {
    const repo = setup();
    const sleeper = spawn('sleep', ['30']);
    const runDir = writeRun(
      repo.dir,
      'r-live',
      { state: 'running', finishedAt: null, pid: sleeper.pid, startedAt: iso(0) },
      [log('T006', 'first', 0)],
    );
    const child = spawn(process.execPath, [CLI_BIN, 'logs', '-f', '--json'], {
      cwd: repo.dir,
      env: { ...process.env, ...GIT_ENV, NO_COLOR: '1' },
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
    });
    const exited = new Promise<number | null>((r) => child.on('exit', r));
    const waitOut = async (text: string) => {
      for (let i = 0; i < 100 && !out.includes(text); i++) await new Promise((r) => setTimeout(r, 100));
      expect(out).toContain(text);
    };
    await waitOut('"first"');
    appendFileSync(join(runDir, 'events.ndjson'), `${JSON.stringify(log('T007', 'second', 0))}\n`);
    await waitOut('"second"');
    sleeper.kill();
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout'), 10_000))]);
    expect(code).toBe(0);
    expect(
      out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).line),
    ).toEqual(['first', 'second']);
  });
});

describe('asdlc attach / cancel / cleanup without a cluster', () => {
  it('attach refuses a local run; cancel refuses a finished local run; cleanup prunes stale worktrees', () => {
    const repo = setup();
    const attach = asdlc(['attach', 'r-new'], { cwd: repo.dir });
    expect(attach.status).toBe(2);
    expect(attach.stderr).toContain('run r-new ran locally: there is nothing to attach to');
    const cancel = asdlc(['cancel', 'r-new'], { cwd: repo.dir });
    expect(cancel.status).toBe(2);
    expect(cancel.stderr).toContain('run r-new is not running (state finished)');

    const cleanup = asdlc(['cleanup', '--dry-run', '--json'], { cwd: repo.dir });
    expect(cleanup.status).toBe(0);
    expect(JSON.parse(cleanup.stdout)).toMatchObject({ dryRun: true, local: { pruned: [] } });
    expect(JSON.parse(cleanup.stdout).k8s).toBeUndefined();
  });

  it('every command has --help with examples', () => {
    const repo = setup();
    for (const cmd of ['status', 'logs', 'attach', 'cancel', 'cleanup', 'run']) {
      const help = asdlc([cmd, '--help'], { cwd: repo.dir });
      expect(help.status, cmd).toBe(0);
      expect(help.stdout, cmd).toContain('Examples:');
    }
  });
});

describe('scripts/spawn-pod.sh and scripts/tail-logs.sh', () => {
  const scripts = fileURLToPath(new URL('../../../scripts/', import.meta.url));
  const sh = (script: string, args: string[], cwd: string) =>
    spawnSync('bash', [join(scripts, script), ...args], {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, ...GIT_ENV, NO_COLOR: '1', ASDLC_BIN: CLI_BIN },
      timeout: 60_000,
    });

  it('--help, and the environment is required first', () => {
    const repo = setup();
    for (const script of ['spawn-pod.sh', 'tail-logs.sh']) {
      const help = sh(script, ['--help'], repo.dir);
      expect(help.status, script).toBe(0);
      expect(help.stdout, script).toContain(`Usage: scripts/${script} <dev|stg|prod>`);
      const bad = sh(script, ['qa'], repo.dir);
      expect(bad.status, script).toBe(2);
      expect(bad.stderr, script).toContain('the first argument must be dev, stg or prod (got "qa")');
    }
  });

  it('spawn-pod.sh runs asdlc run --executor k8s --env <env>; tail-logs.sh runs asdlc logs -f --env <env>', () => {
    const repo = makeRepo(
      {
        'specs/001-widgets/tasks.md':
          '# Tasks\n\n## Phase 1: Setup\n\n- [ ] T006 [ASYNC] Write a in src/a.txt\n',
      },
      { branch: '001-widgets' },
    );
    const plan = sh('spawn-pod.sh', ['stg', '--dry-run', '--json'], repo.dir);
    expect(plan.stderr).toBe('');
    expect(plan.status).toBe(0);
    expect(JSON.parse(plan.stdout)).toMatchObject({ type: 'plan', tasks: [{ id: 'T006' }] });
    // the options reach asdlc run (a k8s-only flag is accepted: --executor k8s was passed)
    const k8sOnly = sh('spawn-pod.sh', ['dev', '--dry-run', '--context', 'x', '--json'], repo.dir);
    expect(k8sOnly.status).toBe(0);

    writeRun(repo.dir, 'r-done', {}, [log('T006', 'done line', 1000)]);
    const tail = sh('tail-logs.sh', ['dev', '--json'], repo.dir);
    expect(tail.stderr).toBe('');
    expect(tail.status).toBe(0);
    expect(JSON.parse(tail.stdout.trim())).toMatchObject({ task: 'T006', line: 'done line' });
  });
});
