import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { asdlc, CLI_BIN, DEMO_PROJECT, git, makeRepo, removeTempDirs } from './helpers.js';

afterAll(removeTempDirs);

const demoTasks = readFileSync(join(DEMO_PROJECT, 'specs/001-greeter/tasks.md'), 'utf8');

describe('asdlc tasks', () => {
  it('prints the exact --json shape', () => {
    const repo = makeRepo({}, { from: DEMO_PROJECT, remote: false });
    const res = asdlc(['tasks', 'specs/001-greeter/tasks.md', '--json'], { cwd: repo.dir });
    expect(res.status).toBe(0);
    const json = JSON.parse(res.stdout);
    expect(Object.keys(json)).toEqual(
      expect.arrayContaining(['file', 'feature', 'phases', 'tasks', 'diagnostics']),
    );
    expect(json.feature).toBe('001-greeter');
    expect(json.file).toBe(join(repo.dir, 'specs/001-greeter/tasks.md'));
    for (const phase of json.phases)
      expect(Object.keys(phase)).toEqual(expect.arrayContaining(['title', 'kind', 'line']));
    const keys = [
      'id',
      'title',
      'line',
      'state',
      'parallel',
      'stories',
      'mode',
      'phase',
      'files',
      'dependsOn',
      'ready',
    ];
    for (const task of json.tasks) expect(Object.keys(task)).toEqual(expect.arrayContaining(keys));
    const byId = Object.fromEntries(json.tasks.map((t: { id: string }) => [t.id, t]));
    expect(byId.T001).toMatchObject({ state: 'done', mode: 'unmarked', ready: false });
    expect(byId.T002).toMatchObject({
      state: 'open',
      mode: 'async',
      parallel: true,
      stories: [1],
      files: ['src/greet.js'],
      ready: true,
      title: 'Implement greet(name) in src/greet.js',
    });
    expect(byId.T004).toMatchObject({ mode: 'sync' });
    expect(json.diagnostics).toEqual([]);
  });

  it('filters with --async and --ready', () => {
    const repo = makeRepo({}, { from: DEMO_PROJECT, remote: false });
    const res = asdlc(['tasks', 'specs/001-greeter', '--async', '--ready', '--json'], { cwd: repo.dir });
    expect(res.status).toBe(0);
    expect(JSON.parse(res.stdout).tasks.map((t: { id: string }) => t.id)).toEqual([
      'T002',
      'T003',
      'T005',
      'T006',
    ]);
  });

  it('prints a readable table without colour codes under NO_COLOR', () => {
    const repo = makeRepo({}, { from: DEMO_PROJECT, remote: false });
    const res = asdlc(['tasks', 'specs/001-greeter', '--no-json'], { cwd: repo.dir, env: { NO_COLOR: '1' } });
    expect(res.status).toBe(0);
    expect(res.stdout).not.toContain('\u001b[');
    expect(res.stdout).toContain('Phase 2: User Story 1');
    expect(res.stdout).toMatch(/T002 +\[P\] \[ASYNC\] \[US1\] Implement greet/);
    const forced = asdlc(['tasks', 'specs/001-greeter', '--no-json', '--color', 'always'], { cwd: repo.dir });
    expect(forced.stdout).toContain('\u001b[');
  });

  it('finds the active feature from the git branch, .specify/feature.json and SPECIFY_FEATURE_DIRECTORY', () => {
    const repo = makeRepo({}, { from: DEMO_PROJECT, remote: false, branch: '001-greeter' });
    const byBranch = asdlc(['tasks', '--json'], { cwd: join(repo.dir, 'src') });
    expect(byBranch.status).toBe(0);
    expect(JSON.parse(byBranch.stdout).feature).toBe('001-greeter');

    git(repo.dir, 'checkout', '-qb', 'some-other-branch');
    const lost = asdlc(['tasks'], { cwd: repo.dir });
    expect(lost.status).toBe(2);
    expect(lost.stderr).toContain('specs/some-other-branch/tasks.md');
    expect(lost.stderr).toContain('git branch "some-other-branch"');

    const viaEnv = asdlc(['tasks', '--json'], {
      cwd: repo.dir,
      env: { SPECIFY_FEATURE_DIRECTORY: 'specs/001-greeter' },
    });
    expect(JSON.parse(viaEnv.stdout).feature).toBe('001-greeter');

    const withJson = makeRepo(
      { '.specify/feature.json': JSON.stringify({ feature_directory: 'specs/001-greeter' }) },
      { from: DEMO_PROJECT, remote: false, branch: 'main' },
    );
    const viaJson = asdlc(['tasks', '--json'], { cwd: withJson.dir });
    expect(viaJson.status).toBe(0);
    expect(JSON.parse(viaJson.stdout).feature).toBe('001-greeter');
  });

  it('exits 1 on error diagnostics but still prints the graph', () => {
    const bad = `${demoTasks}\n## Phase 4: Polish\n\n- [ ] T007 [ASYNC] A task\n- [ ] T007 [ASYNC] The same id again\n`;
    const repo = makeRepo({ 'specs/002-bad/tasks.md': bad }, { remote: false });
    const res = asdlc(['tasks', 'specs/002-bad/tasks.md', '--json'], { cwd: repo.dir });
    expect(res.status).toBe(1);
    const json = JSON.parse(res.stdout);
    expect(json.tasks.filter((t: { id: string }) => t.id === 'T007')).toHaveLength(2);
    const dupLine = bad.split('\n').findIndex((l) => l.includes('The same id again')) + 1;
    expect(json.diagnostics).toContainEqual(
      expect.objectContaining({ severity: 'error', line: dupLine, code: 'duplicate-id' }),
    );
  });

  it('exits 2 naming the path it tried for a missing file', () => {
    const repo = makeRepo({}, { remote: false });
    const res = asdlc(['tasks', 'specs/999-nope/tasks.md'], { cwd: repo.dir });
    expect(res.status).toBe(2);
    expect(res.stderr).toContain('specs/999-nope/tasks.md');
    expect(res.stderr).toContain('the argument');
  });

  it('exits 2 on a usage error', () => {
    const repo = makeRepo({}, { remote: false });
    const res = asdlc(['tasks', '--no-such-flag'], { cwd: repo.dir });
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/Unknown argument/i);
  });

  it('answers --help and --version', () => {
    const repo = makeRepo({}, { remote: false });
    const help = asdlc(['--help'], { cwd: repo.dir });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('asdlc tasks');
    expect(help.stdout).toContain('asdlc run');
    const version = asdlc(['--version'], { cwd: repo.dir });
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('--help loads no Kubernetes client, no markdown parser and no agent code (fast start-up)', () => {
    // A resolve hook reports every module the process loads.
    const hooks = `export async function resolve(s, c, next) { const r = await next(s, c); process._rawDebug('LOAD ' + r.url); return r; }`;
    const register = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});`;
    const res = spawnSync(
      process.execPath,
      ['--import', `data:text/javascript,${encodeURIComponent(register)}`, CLI_BIN, '--help'],
      {
        encoding: 'utf8',
      },
    );
    expect(res.status).toBe(0);
    const loaded = res.stderr.split('\n').filter((l) => l.startsWith('LOAD '));
    expect(loaded.some((l) => l.includes('yargs'))).toBe(true);
    expect(
      loaded.filter((l) => /client-node|tasks-parser|remark|micromark|opencode-agent|execa/.test(l)),
    ).toEqual([]);
  });
});
