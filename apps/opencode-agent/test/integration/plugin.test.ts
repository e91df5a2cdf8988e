import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import plugin, {
  AsdlcPlugin,
  boundedLogs,
  createRedactor,
  LOGS_MAX_BYTES,
  REDACTED,
  type RunEvent,
  redactorFor,
  resolveAsdlc,
} from '../../opencode/plugins/asdlc.js';
import {
  ASDLC_BIN,
  addFeature,
  asdlc,
  commitAndPush,
  GIT_ENV,
  REPO_ROOT,
  removeTemps,
  speckitProject,
  tempDir,
} from './_helpers.js';

afterAll(removeTemps);

const ctx = (sessionID = 'ses_main', directory = '/') => ({
  sessionID,
  messageID: 'msg_1',
  agent: 'build',
  directory,
});

/** A stand-in for OpenCode's client: records what the plugin posts. */
function fakeClient() {
  const posts: { id: string; noReply: boolean | undefined; text: string }[] = [];
  return {
    posts,
    client: {
      session: {
        async prompt(o: { path: { id: string }; body: { noReply?: boolean; parts: { text: string }[] } }) {
          posts.push({
            id: o.path.id,
            noReply: o.body.noReply,
            text: o.body.parts.map((p) => p.text).join(''),
          });
          return {};
        },
      },
    },
  };
}

describe('the plugin module', () => {
  it('default-exports { id, server } (OpenCode 1.18 then ignores the helper exports)', () => {
    expect(plugin).toEqual({ id: 'asdlc', server: AsdlcPlugin });
  });

  it('carries the log-multiplexer redactor verbatim', () => {
    const norm = (s: string) => s.replace(/\s+/g, ' ');
    const pick = (src: string) =>
      norm(src.slice(src.indexOf('export function createRedactor'), src.indexOf('function escapeRegExp')));
    const upstream = readFileSync(join(REPO_ROOT, 'packages/log-multiplexer/src/redactor.ts'), 'utf8');
    const ours = readFileSync(join(REPO_ROOT, 'apps/opencode-agent/opencode/plugins/asdlc.ts'), 'utf8');
    expect(pick(ours)).toBe(pick(upstream));
    expect(createRedactor(['sk-abcdef'])('key sk-abcdef!')).toBe(`key ${REDACTED}!`);
  });

  it('redacts secret-named variables, ASDLC_REDACT_ENV names and token shapes', () => {
    const redact = redactorFor({
      MY_SERVICE_TOKEN: 'svc-0123456789',
      DB_PASSWORD: 'hunter2hunter2',
      CUSTOM: 'custom-value-1',
      ASDLC_REDACT_ENV: 'CUSTOM',
      FEATURE_TOKEN_ENABLED: '1',
    });
    expect(redact('a svc-0123456789 b hunter2hunter2 c custom-value-1 d 1')).toBe(
      `a ${REDACTED} b ${REDACTED} c ${REDACTED} d 1`,
    );
    expect(redact('sk-ant-api03-abcdefghijklmnopqrstuv ghp_abcdefghijklmnopqrstuvwxyz0123')).toBe(
      `${REDACTED} ${REDACTED}`,
    );
  });

  it("redacts the git token's env var named by ASDLC_GIT_TOKEN_ENV", () => {
    const redact = redactorFor({ ASDLC_GIT_TOKEN_ENV: 'MY_GIT_PAT', MY_GIT_PAT: 'pat-value-0123456789' });
    expect(redact('push with pat-value-0123456789')).toBe(`push with ${REDACTED}`);
  });

  it('finds the CLI: ASDLC_BIN (node for .js), else asdlc on PATH, else npx --no-install', () => {
    expect(resolveAsdlc({ ASDLC_BIN: '/x/bin.js' })).toEqual({ cmd: 'node', args: ['/x/bin.js'] });
    expect(resolveAsdlc({ ASDLC_BIN: '/usr/local/bin/asdlc' })).toEqual({
      cmd: '/usr/local/bin/asdlc',
      args: [],
    });
    const bin = tempDir('asdlc-path-');
    writeFileSync(join(bin, 'asdlc'), '#!/bin/sh\n');
    chmodSync(join(bin, 'asdlc'), 0o755);
    expect(resolveAsdlc({ PATH: `/nonexistent:${bin}` })).toEqual({ cmd: join(bin, 'asdlc'), args: [] });
    expect(resolveAsdlc({ PATH: '/nonexistent' })).toEqual({ cmd: 'npx', args: ['--no-install', 'asdlc'] });
  });

  it('registers nothing inside a task agent started by asdlc (no recursive dispatch)', async () => {
    const { client } = fakeClient();
    expect(await AsdlcPlugin({ client, directory: '/p' }, { env: { ASDLC_RUN_ID: 'r1' } })).toEqual({});
    expect(
      await AsdlcPlugin({ client, directory: '/p/.agentic-sdlc/worktrees/001-x-t001' }, { env: {} }),
    ).toEqual({});
  });

  it('gives OpenCode JSON Schemas whose properties are optional (tool.definition hook)', async () => {
    const { client } = fakeClient();
    const hooks = await AsdlcPlugin({ client, directory: '/p' }, { env: {} });
    expect(Object.keys(hooks.tool ?? {}).sort()).toEqual([
      'asdlc_dispatch',
      'asdlc_logs',
      'asdlc_status',
      'asdlc_tasks',
    ]);
    const output = { description: 'd', parameters: {}, jsonSchema: { required: ['run', 'wait'] } as unknown };
    await hooks['tool.definition']?.({ toolID: 'asdlc_status' }, output);
    expect(output.jsonSchema).toMatchObject({
      type: 'object',
      required: [],
      properties: { wait: { type: 'integer' } },
    });
    const other = { description: 'd', parameters: {}, jsonSchema: { x: 1 } as unknown };
    await hooks['tool.definition']?.({ toolID: 'bash' }, other);
    expect(other.jsonSchema).toEqual({ x: 1 });
  });
});

describe('boundedLogs', () => {
  const log = (task: string, line: string): RunEvent => ({ type: 'log', task, line });
  const id = (s: string) => s;

  it('returns the last N lines of one task or all, in order', () => {
    const events = [
      log('T001', 'a1'),
      log('T002', 'b1'),
      log('T001', 'a2'),
      log('T002', 'b2'),
      log('T001', 'a3'),
    ];
    expect(boundedLogs(events, { lines: 2, redact: id }).output).toBe(
      'Last 2 line(s):\nT002 | b2\nT001 | a3',
    );
    expect(boundedLogs(events, { task: 'T001', lines: 5, redact: id }).output).toBe(
      'Last 3 line(s) of T001:\nT001 | a1\nT001 | a2\nT001 | a3',
    );
    expect(boundedLogs([], { task: 'T009', lines: 5, redact: id }).output).toBe('No log lines for T009 yet.');
  });

  it('never exceeds LOGS_MAX_BYTES, whatever the lines (multi-byte, very long)', () => {
    const events = Array.from({ length: 5000 }, (_, i) => log('T001', `${i} ${'é✓'.repeat(3000)}`));
    const res = boundedLogs(events, { lines: 200, redact: id });
    expect(Buffer.byteLength(res.output)).toBeLessThanOrEqual(LOGS_MAX_BYTES);
    expect(res.lines).toBeGreaterThan(5);
    expect(res.output).toMatch(/earlier line\(s\) left out to stay under 12288 bytes/);
    expect(res.output.split('\n').at(-1)).toMatch(/^T001 \| 4999 /);
  });
});

describe('asdlc_dispatch / asdlc_status / asdlc_logs against the real CLI (local executor)', () => {
  it('posts progress into the session, bounds the logs and redacts secrets the agent printed', async () => {
    const dir = speckitProject();
    const init = await asdlc(['init', 'opencode'], dir);
    expect(init.code, init.stderr).toBe(0);
    addFeature(dir);
    commitAndPush(dir);
    const secret = 'sk-test-0123456789abcdefghij';
    const serviceToken = 'svc-token-9876543210';
    // 300 long lines, the two secrets, then the note file (a change, so the task succeeds).
    const agent = [
      'echo "ANTHROPIC_API_KEY is $ANTHROPIC_API_KEY"',
      'echo "service token: $MY_SERVICE_TOKEN"',
      'i=0; while [ $i -lt 300 ]; do echo "line $i $(printf "%0180d" 0)"; i=$((i+1)); done',
      'mkdir -p notes && echo "$ASDLC_TASK_ID" > "notes/$ASDLC_TASK_ID.md"',
      'echo "final: $MY_SERVICE_TOKEN"',
    ].join('; ');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...GIT_ENV,
      ASDLC_BIN,
      ANTHROPIC_API_KEY: secret,
      MY_SERVICE_TOKEN: serviceToken,
      NO_COLOR: '1',
    };
    const { client, posts } = fakeClient();
    const hooks = await AsdlcPlugin(
      { client, directory: dir, worktree: dir },
      { env, flushMs: 200, pollMs: 300 },
    );
    const tools = hooks.tool!;
    const c = ctx('ses_main', dir);

    const dispatched = await tools.asdlc_dispatch!.execute({ tasks: ['T001', 'T002'], agentCmd: agent }, c);
    expect(dispatched.title, dispatched.output).toMatch(/^dispatched r/);
    const runId = dispatched.metadata.runId as string;

    const status = await tools.asdlc_status!.execute({ wait: 120 }, c);
    expect(status.title, status.output).toBe('asdlc: finished');
    expect(status.output).toMatch(/T001 {2}succeeded: [0-9a-f]{7} on 001-x-t001/);
    expect(status.output).toMatch(/T002 {2}succeeded: [0-9a-f]{7} on 001-x-t002/);

    // Progress reached the session (noReply: no model turn), with the run id on every line.
    const posted = posts.map((p) => p.text).join('\n');
    expect(posts.every((p) => p.id === 'ses_main' && p.noReply === true)).toBe(true);
    for (const line of posted.split('\n')) expect(line.startsWith(`[asdlc ${runId}`)).toBe(true);
    expect(posted).toContain(`[asdlc ${runId} T001] started: Write notes/alpha.md`);
    expect(posted).toMatch(new RegExp(`\\[asdlc ${runId} T002\\] succeeded: [0-9a-f]{7} on 001-x-t002`));
    expect(posted).toContain(`[asdlc ${runId}] run finished: T001 succeeded`);
    // Throttled: not every log line.
    expect(posted.split('\n').length).toBeLessThan(20);

    for (const lines of [undefined, 200, 100000]) {
      const logs = await tools.asdlc_logs!.execute({ lines }, c);
      expect(Buffer.byteLength(logs.output)).toBeLessThanOrEqual(LOGS_MAX_BYTES);
      expect(logs.output.split('\n').length - 1).toBeLessThanOrEqual(200);
      expect(logs.output).not.toContain(secret);
      expect(logs.output).not.toContain(serviceToken);
    }
    const t2 = await tools.asdlc_logs!.execute({ task: 't002', lines: 400 }, c);
    expect(t2.output).toMatch(/of T002/);
    expect(t2.output).toContain(`final: ${REDACTED}`);
    expect(t2.output).not.toMatch(/^T001 \|/m);
    // The run itself hides ANTHROPIC_API_KEY; a secret under a name it does not know reaches events.ndjson…
    const head = await asdlc(['logs', 'T001', '--run', runId, '--json'], dir, { NO_COLOR: '1' });
    expect(head.stdout).toContain('ANTHROPIC_API_KEY is [redacted]');
    expect(head.stdout).toContain(`service token: ${serviceToken}`);
    const few = await tools.asdlc_logs!.execute({ task: 'T001', lines: 3 }, c);
    expect(few.output.split('\n')).toHaveLength(4);
    // …is hidden by the tool: every window of T001's log is free of it.
    const all = await tools.asdlc_logs!.execute({ task: 'T001', lines: 40 }, c);
    expect(all.output).toContain(`final: ${REDACTED}`);
    expect(all.output).not.toContain(serviceToken);
  }, 180_000);
});
