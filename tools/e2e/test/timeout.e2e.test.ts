// A task whose agent never ends: stopped by the runner's own timeout (asdlc-agent --timeout) and, failing
// that, by the Job's activeDeadlineSeconds; the outcome says which. Real pods on the real node.
import { createServer, type Server, type Socket } from 'node:net';
import { clusterInfo } from '@agentic-sdlc/kube-local/testing';
import { taskJobName } from '@agentic-sdlc/pod-launcher';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { type Fixture, k8sRunArgs, NAMESPACE, runAsync, setUpFixture, summaryOf } from '../src/fixture.js';

let fx: Fixture;
let stall: Server;
const stalled = new Set<Socket>();
let stallConnections = 0;
let stallUrl = '';

beforeAll(async () => {
  fx = await setUpFixture(inject('agentImage'));
  // A git host that accepts connections and never answers: the clone hangs before the agent starts, where
  // the runner's own timeout (which covers the agent) cannot help.
  const host = clusterInfo().realNode?.hostIP ?? '127.0.0.1';
  stall = createServer((socket) => {
    stallConnections++;
    stalled.add(socket);
    socket.on('close', () => stalled.delete(socket));
  });
  await new Promise<void>((resolve) => stall.listen(0, host, resolve));
  const port = (stall.address() as { port: number }).port;
  stallUrl = `http://${host}:${port}/greeter.git`;
}, 600_000);
afterAll(async () => {
  for (const s of stalled) s.destroy();
  await new Promise((resolve) => stall?.close(resolve));
  await fx?.close();
});

describe('timeouts on a real node', () => {
  test("the runner's timeout stops a hanging agent; a hang it does not cover ends at the Job's deadline", async () => {
    const runner = `e2e-to-runner-${Date.now().toString(36)}`;
    const job = `e2e-to-job-${Date.now().toString(36)}`;
    const common = k8sRunArgs('--tasks', 'T007');
    const [byRunner, byJob] = await Promise.all([
      runAsync(process.execPath, [...common, '--run-id', runner, '--timeout', '25s'], {
        cwd: fx.repo,
        env: fx.cliEnv,
        timeoutMs: 300_000,
      }),
      runAsync(
        process.execPath,
        [...common, '--run-id', job, '--timeout', '25s', '--startup-allowance', '5', '--repo-url', stallUrl],
        { cwd: fx.repo, env: fx.cliEnv, timeoutMs: 300_000 },
      ),
    ]);

    const a = summaryOf(byRunner).T007;
    expect(byRunner.status, byRunner.stderr).toBe(1);
    expect(a, JSON.stringify(a)).toMatchObject({ outcome: 'timed-out', pushed: false });
    expect(String(a?.reason)).toMatch(/exceeded the timeout of 25s/);
    expect(String(a?.reason)).not.toMatch(/activeDeadlineSeconds/);
    // The model saw the agent's request (OpenCode really ran) and never answered it.
    expect(fx.model.requests.some((r) => r.scriptKey === 'T007' && r.reply === 'hang')).toBe(true);

    const b = summaryOf(byJob).T007;
    expect(byJob.status, byJob.stderr).toBe(1);
    expect(b, JSON.stringify(b)).toMatchObject({ outcome: 'timed-out', pushed: false });
    expect(String(b?.reason)).toMatch(/activeDeadlineSeconds/);
    const batch = fx.kc.makeApiClient(k8s.BatchV1Api);
    const j = await batch.readNamespacedJob({ name: taskJobName(job, 'T007'), namespace: NAMESPACE });
    expect(j.spec?.activeDeadlineSeconds).toBe(30);
    // FailureTarget at once, Failed once the pod has terminated (1.34): either carries the Job's reason.
    const failing = j.status?.conditions?.filter((c) => c.type === 'FailureTarget' || c.type === 'Failed');
    expect(failing?.map((c) => c.reason)).toContain('DeadlineExceeded');
    // The pod really reached the silent git host (its clone is what hung).
    expect(stallConnections).toBeGreaterThan(0);
  }, 420_000);
});
