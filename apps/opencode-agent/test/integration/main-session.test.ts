import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { opencodeConfigFor, startScriptedModel } from '@agentic-sdlc/scripted-model';
import { afterAll, describe, expect, it } from 'vitest';
import {
  addFeature,
  asdlc,
  commitAndPush,
  events,
  git,
  OPENCODE_BIN,
  opencodeEnv,
  removeTemps,
  run,
  speckitProject,
} from './_helpers.js';

afterAll(removeTemps);

/**
 * The whole flow from the user's main OpenCode session: a spec-kit project with `asdlc init opencode`, the main
 * session dispatches the [ASYNC] tasks and waits on asdlc_status; the local executor runs each task with its
 * own real OpenCode agent; the plugin posts the tasks' progress into the main session.
 */
describe('main OpenCode session dispatches [ASYNC] tasks and sees their progress', () => {
  it('dispatch → 2 task agents run and push → progress lines and branches reach the main session', async () => {
    const model = await startScriptedModel({
      scripts: {
        MAINSESSION: [
          { tool: 'asdlc_tasks', args: { asyncOnly: true } },
          { tool: 'asdlc_dispatch', args: {} },
          { tool: 'asdlc_status', args: { wait: 200 } },
          { text: 'Both [ASYNC] tasks are done.' },
        ],
        T001: [
          { tool: 'write', args: { filePath: 'notes/alpha.md', content: '# Alpha\n\nFirst note.\n' } },
          { text: 'Wrote notes/alpha.md.' },
        ],
        T002: [
          { tool: 'write', args: { filePath: 'notes/beta.md', content: '# Beta\n\nSecond note.\n' } },
          { text: 'Wrote notes/beta.md.' },
        ],
      },
    });
    try {
      const dir = speckitProject();
      const init = await asdlc(['init', 'opencode', '--json'], dir);
      expect(init.code, init.stderr).toBe(0);
      addFeature(dir);
      const remote = commitAndPush(dir);
      const env = opencodeEnv(opencodeConfigFor(model.url));

      const res = await run(
        OPENCODE_BIN,
        [
          'run',
          '--format',
          'json',
          '--dir',
          dir,
          '-m',
          'scripted/demo',
          'MAINSESSION dispatch the async tasks and keep me posted',
        ],
        { cwd: dir, env, timeoutMs: 280_000 },
      );
      expect(res.timedOut, res.stderr.slice(-3000)).toBe(false);
      expect(res.code, res.stderr.slice(-3000)).toBe(0);
      const ev = events(res.stdout);
      const tool = (name: string) => ev.filter((e) => e.type === 'tool_use' && e.part?.tool === name);

      // asdlc_tasks listed the feature's tasks through `asdlc tasks --json`.
      const tasks = tool('asdlc_tasks')[0]?.part.state;
      expect(tasks?.status).toBe('completed');
      expect(tasks.output).toMatch(/T001 \[ASYNC\] open ready/);
      expect(tasks.output).toMatch(/T002 \[ASYNC\] open ready/);

      // asdlc_dispatch returned the run id at once.
      const dispatch = tool('asdlc_dispatch')[0]?.part.state;
      expect(dispatch?.status, JSON.stringify(dispatch)).toBe('completed');
      const runId = dispatch.metadata.runId as string;
      expect(runId).toMatch(/^r\d{8}-\d{6}-/);
      expect(dispatch.time.end - dispatch.time.start).toBeLessThan(20_000);

      // asdlc_status waited for the run: both tasks succeeded, with their branches.
      const status = tool('asdlc_status')[0]?.part.state;
      expect(status?.status, JSON.stringify(status)).toBe('completed');
      expect(status.output).toContain(`run ${runId} (local): finished`);
      expect(status.output).toMatch(/T001 {2}succeeded: [0-9a-f]{7} on 001-x-t001/);
      expect(status.output).toMatch(/T002 {2}succeeded: [0-9a-f]{7} on 001-x-t002/);

      // The plugin's progress lines reached the main session: the model's last request carries them.
      const main = model.requests.filter((r) => r.scriptKey === 'MAINSESSION');
      const last = JSON.stringify(main.at(-1)?.body);
      for (const id of ['T001', 'T002']) {
        const branch = `001-x-${id.toLowerCase()}`;
        expect(last).toContain(`[asdlc ${runId} ${id}] started`);
        expect(last).toMatch(new RegExp(`\\[asdlc ${runId} ${id}\\] succeeded: [0-9a-f]{7} on ${branch}`));
        expect(last).toContain(`[asdlc ${runId} ${id}] ✓ write notes/`);
        expect(last).toContain(`[asdlc ${runId} ${id}] » Wrote notes/`);
      }
      expect(last).toContain(`[asdlc ${runId}] run finished`);
      // … before the model's final answer (they were posted while asdlc_status waited).
      expect(ev.findLast((e) => e.type === 'text')?.part.text).toBe('Both [ASYNC] tasks are done.');

      // The plugin loaded although OpenCode could not install @opencode-ai/plugin (no registry).
      expect(existsSync(join(dir, '.opencode/node_modules/@opencode-ai/plugin'))).toBe(false);
      // The agent and the command init wrote are loaded too.
      expect(last).toContain('async-dispatcher: Dispatches');

      // The task agents were real OpenCode runs against the same model; the remote has both branches.
      expect(model.requests.some((r) => r.scriptKey === 'T001')).toBe(true);
      expect(model.requests.some((r) => r.scriptKey === 'T002')).toBe(true);
      const branches = git(remote, 'for-each-ref', '--format=%(refname:short)', 'refs/heads');
      expect(branches.split('\n').sort()).toEqual(['001-x', '001-x-t001', '001-x-t002']);
      expect(git(remote, 'show', '001-x-t001:notes/alpha.md')).toBe('# Alpha\n\nFirst note.');
      expect(git(remote, 'show', '001-x-t002:notes/beta.md')).toBe('# Beta\n\nSecond note.');
    } finally {
      await model.close();
    }
  }, 300_000);

  it('/speckit.implement (with the asdlc block) hands the [ASYNC] tasks to the runner and reports back', async () => {
    const model = await startScriptedModel({
      scripts: {
        // The expanded command template is the first user message; its asdlc block names asdlc_tasks first.
        asdlc_tasks: [
          { tool: 'asdlc_tasks', args: { asyncOnly: true } },
          { tool: 'asdlc_dispatch', args: {} },
          { tool: 'write', args: { filePath: 'notes/review.md', content: 'T003 reviewed.\n' } },
          { tool: 'asdlc_status', args: { wait: 200 } },
          { text: 'T003 done here; T001 and T002 were implemented by the runner.' },
        ],
        T001: [{ tool: 'write', args: { filePath: 'notes/alpha.md', content: 'alpha\n' } }, { text: 'ok' }],
        T002: [{ tool: 'write', args: { filePath: 'notes/beta.md', content: 'beta\n' } }, { text: 'ok' }],
      },
    });
    try {
      const dir = speckitProject();
      expect((await asdlc(['init', 'opencode'], dir)).code).toBe(0);
      addFeature(dir);
      const remote = commitAndPush(dir);
      const res = await run(
        OPENCODE_BIN,
        [
          'run',
          '--format',
          'json',
          '--dir',
          dir,
          '-m',
          'scripted/demo',
          '--command',
          'speckit.implement',
          'go',
        ],
        { cwd: dir, env: opencodeEnv(opencodeConfigFor(model.url)), timeoutMs: 280_000 },
      );
      expect(res.code, res.stderr.slice(-3000)).toBe(0);
      const first = JSON.stringify(model.requests.find((r) => r.scriptKey === 'asdlc_tasks')?.body);
      expect(first).toContain('asdlc:begin');
      expect(first).toContain('check-prerequisites.sh'); // spec-kit's own instructions follow
      const status = events(res.stdout).find((e) => e.type === 'tool_use' && e.part?.tool === 'asdlc_status');
      expect(status?.part.state.output).toMatch(/T001 {2}succeeded: [0-9a-f]{7} on 001-x-t001/);
      expect(status?.part.state.output).toMatch(/T002 {2}succeeded: [0-9a-f]{7} on 001-x-t002/);
      const last = JSON.stringify(model.requests.filter((r) => r.scriptKey === 'asdlc_tasks').at(-1)?.body);
      expect(last).toMatch(/\[asdlc r[\w-]+ T001\] succeeded: [0-9a-f]{7} on 001-x-t001/);
      expect(last).toMatch(/\[asdlc r[\w-]+ T002\] succeeded: [0-9a-f]{7} on 001-x-t002/);
      // The [SYNC] task was done in the main checkout; the [ASYNC] ones are on their branches.
      expect(existsSync(join(dir, 'notes/review.md'))).toBe(true);
      expect(existsSync(join(dir, 'notes/alpha.md'))).toBe(false);
      expect(
        git(remote, 'for-each-ref', '--format=%(refname:short)', 'refs/heads').split('\n').sort(),
      ).toEqual(['001-x', '001-x-t001', '001-x-t002']);
    } finally {
      await model.close();
    }
  }, 300_000);
});
