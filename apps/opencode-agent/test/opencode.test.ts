import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { opencodeConfigFor, type ScriptedModel, startScriptedModel } from '@agentic-sdlc/scripted-model';
import { afterEach, describe, expect, it } from 'vitest';
import { pinnedOpencodeVersion } from '../src/_opencode.js';
import { createFixture, FEATURE, git, remoteBranch, runCli } from './_fixture.js';

// Real OpenCode binary (the pinned opencode-ai dependency) against the offline scripted model.
// Each run takes a few seconds; keep these few.

let model: ScriptedModel | null = null;
afterEach(async () => {
  await model?.close();
  model = null;
});

function envFor(base: NodeJS.ProcessEnv, url: string): NodeJS.ProcessEnv {
  return { ...base, OPENCODE_CONFIG_CONTENT: JSON.stringify(opencodeConfigFor(url)) };
}

describe('asdlc-agent run-task with real OpenCode + scripted model', () => {
  it('OpenCode writes the file; the branch on the remote has exactly that change with the trailers', async () => {
    const fx = createFixture();
    model = await startScriptedModel({
      scripts: {
        T006: [
          {
            tool: 'write',
            args: { filePath: 'src/sync.ts', content: 'export const sync = (): number => 1;\n' },
          },
          { tool: 'bash', args: { command: 'ls src', description: 'List src' } },
          { text: 'Implemented CalendarSync in src/sync.ts.' },
        ],
      },
    });
    const run = await runCli(
      ['run-task', '--repo', fx.repo, '--task', 'T006', '--model', 'scripted/demo', '--run', 'oc1'],
      envFor(fx.env, model.url),
    );
    expect(run.stderr).not.toMatch(/Error:/);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('✓ write src/sync.ts');
    expect(run.stdout).toContain('✓ bash $ ls src');
    expect(run.stdout).toContain('» Implemented CalendarSync in src/sync.ts.');
    const branch = `${FEATURE}-t006`;
    const r = run.result!;
    expect(r).toMatchObject({
      task: 'T006',
      branch,
      pushed: true,
      filesChanged: ['src/sync.ts'],
      outcome: 'succeeded',
      reason: null,
    });
    expect(r.tokens?.total).toBeGreaterThan(0);
    expect(r.cost).toBe(0);

    const pushed = remoteBranch(fx.remote, branch)!;
    expect(pushed.files).toEqual(['src/sync.ts']);
    expect(git(fx.remote, 'show', `${branch}:src/sync.ts`)).toBe('export const sync = (): number => 1;');
    expect(pushed.subject).toBe('feat(T006): Implement CalendarSync service in src/sync.ts');
    expect(pushed.body).toContain('Task: T006');
    expect(pushed.body).toContain(`Feature: ${FEATURE}`);
    expect(pushed.body).toContain(`Agent: opencode ${pinnedOpencodeVersion()}`);
    expect(git(fx.remote, 'rev-list', '--count', `${FEATURE}..${branch}`)).toBe('1');

    const worktrees = join(fx.repo, '.agentic-sdlc', 'worktrees');
    expect(existsSync(worktrees) ? readdirSync(worktrees) : []).toEqual([]);

    const agentRequests = model.requests.filter((q) => q.kind === 'agent' && q.turn === 0);
    expect(agentRequests).toHaveLength(1);
    const sent = JSON.stringify(agentRequests[0]!.body);
    expect(sent).toContain('T006 [P] [ASYNC] [US1] Implement CalendarSync service in src/sync.ts');
    expect(sent).toContain('SPEC-MARKER-42');
    // nothing was fetched for the provider: no node_modules in OpenCode's cache dir
    expect(existsSync(join(fx.env.XDG_CACHE_HOME!, 'opencode', 'node_modules'))).toBe(false);
  }, 120_000);

  it('the model returning HTTP 500 → failed with a readable reason, in bounded time', async () => {
    const fx = createFixture();
    model = await startScriptedModel({
      scripts: { T007: [{ error: 500, message: 'scripted upstream failure' }] },
    });
    const run = await runCli(
      ['run-task', '--repo', fx.repo, '--task', 'T007', '--model', 'scripted/demo'],
      envFor(fx.env, model.url),
    );
    expect(run.code).toBe(1);
    expect(run.result?.outcome).toBe('failed');
    expect(run.result?.reason).toMatch(/^model provider error: HTTP 500 scripted upstream failure/);
    expect(run.result?.pushed).toBe(false);
    expect(run.ms).toBeLessThan(60_000);
  }, 120_000);
});
