import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isolatedOpencodeEnv, opencodeConfigFor, startScriptedModel } from '@agentic-sdlc/scripted-model';
import { afterAll, describe, expect, it } from 'vitest';
import { asdlcAsync, DEMO_PROJECT, git, makeRepo, removeTempDirs, tempDir } from './helpers.js';

afterAll(removeTempDirs);

type Script = Parameters<typeof startScriptedModel>[0]['scripts'];
const DEMO_SCRIPTS = JSON.parse(readFileSync(join(DEMO_PROJECT, '../model-script.json'), 'utf8'))
  .scripts as Script;

/** Environment for real OpenCode runs: isolated HOME/XDG dirs, the scripted model as provider. */
function opencodeEnv(url: string): NodeJS.ProcessEnv {
  return isolatedOpencodeEnv(opencodeConfigFor(url), tempDir('asdlc-oc-home-'));
}

function summaryOf(stdout: string) {
  const summary = JSON.parse(stdout.trim().split('\n').at(-1)!);
  expect(summary.type).toBe('summary');
  return Object.fromEntries(summary.tasks.map((t: { id: string }) => [t.id, t])) as Record<
    string,
    Record<string, unknown>
  >;
}

describe('asdlc run with the real OpenCode binary and the scripted model', () => {
  it('runs the 4 [ASYNC] tasks of the demo feature in parallel: 4 branches with exactly the scripted change', async () => {
    const model = await startScriptedModel({ scripts: DEMO_SCRIPTS });
    try {
      const repo = makeRepo({}, { from: DEMO_PROJECT, branch: '001-greeter' });
      const res = await asdlcAsync(['run', '--parallel', '4', '--json'], {
        cwd: repo.dir,
        env: opencodeEnv(model.url),
        timeoutMs: 280_000,
      });
      expect(res.status, res.stderr + res.stdout.slice(-3000)).toBe(0);
      const tasks = summaryOf(res.stdout);
      const expected: Record<string, string> = {
        T002: 'src/greet.js',
        T003: 'test/greet.test.js',
        T005: 'src/farewell.js',
        T006: 'docs/usage.md',
      };
      expect(Object.keys(tasks).sort()).toEqual(Object.keys(expected));
      for (const [id, file] of Object.entries(expected)) {
        const branch = `001-greeter-${id.toLowerCase()}`;
        expect(tasks[id]).toMatchObject({ outcome: 'succeeded', pushed: true, branch, filesChanged: [file] });
        expect(git(repo.remote, 'diff', '--name-only', `001-greeter..${branch}`)).toBe(file);
        const step = (DEMO_SCRIPTS[id] as { tool?: string; args?: { content?: string } }[]).find(
          (s) => s.tool === 'write',
        );
        expect(git(repo.remote, 'show', `${branch}:${file}`)).toBe(step!.args!.content!.trimEnd());
        expect(git(repo.remote, 'log', '-1', '--format=%(trailers:key=Agent,valueonly)', branch)).toMatch(
          /^opencode \d+\.\d+\.\d+$/,
        );
      }
      // OpenCode really sent each task's prompt to the model: the task line and the spec.
      for (const id of Object.keys(expected)) {
        const sent = model.requests.filter((r) => r.scriptKey === id).map((r) => JSON.stringify(r.body));
        expect(sent.length).toBeGreaterThan(0);
        expect(sent.some((b) => b.includes('Feature Specification: Greeter'))).toBe(true);
      }
      const worktrees = join(repo.dir, '.agentic-sdlc', 'worktrees');
      expect(existsSync(worktrees) ? readdirSync(worktrees) : []).toEqual([]);
      expect(git(repo.dir, 'status', '--porcelain')).toBe('M specs/001-greeter/tasks.md');
      expect(git(repo.dir, 'diff', '--numstat')).toBe('4\t4\tspecs/001-greeter/tasks.md');
    } finally {
      await model.close();
    }
  }, 300_000);

  it('reports a model that answers HTTP 500 as a failed task with a readable reason; the other task succeeds', async () => {
    const model = await startScriptedModel({
      scripts: { T002: DEMO_SCRIPTS.T002!, T005: [{ error: 500, message: 'upstream exploded' }] },
    });
    try {
      const repo = makeRepo({}, { from: DEMO_PROJECT, branch: '001-greeter' });
      const res = await asdlcAsync(['run', '--tasks', 'T002,T005', '--json'], {
        cwd: repo.dir,
        env: opencodeEnv(model.url),
        timeoutMs: 280_000,
      });
      expect(res.status).toBe(1);
      const tasks = summaryOf(res.stdout);
      expect(tasks.T002).toMatchObject({ outcome: 'succeeded', pushed: true });
      expect(tasks.T005).toMatchObject({ outcome: 'failed', pushed: false });
      expect(String(tasks.T005!.reason)).toMatch(/500/);
      expect(git(repo.remote, 'for-each-ref', '--format=%(refname:short)', 'refs/heads')).not.toContain(
        't005',
      );
    } finally {
      await model.close();
    }
  }, 300_000);
});
