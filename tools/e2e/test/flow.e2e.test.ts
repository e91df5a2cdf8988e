// The seed's whole flow with nothing simulated but the model: a real node (kubelet + containerd) runs the
// locally built agent image; OpenCode (scripted model) edits files in each pod; branches arrive on a loopback
// git server over HTTP with a token that only a Kubernetes Secret holds.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { branchHead, listBranches } from '@agentic-sdlc/git-server';
import { taskJobName } from '@agentic-sdlc/pod-launcher';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import {
  CLI_BIN,
  type Fixture,
  git,
  k8sRunArgs,
  NAMESPACE,
  records,
  runAsync,
  setUpFixture,
  summaryOf,
} from '../src/fixture.js';
import { readHostState } from '../src/host-state.js';

const TASKS = ['T002', 'T005', 'T006'];
let fx: Fixture;

beforeAll(async () => {
  fx = await setUpFixture(inject('agentImage'));
}, 600_000);
afterAll(async () => {
  await fx?.close();
});

describe('asdlc run --executor k8s --env dev on a real node', () => {
  const runId = `e2e-${Date.now().toString(36)}`;
  let out: { status: number; stdout: string; stderr: string };
  let pods: k8s.V1Pod[] = [];

  beforeAll(async () => {
    out = await runAsync(process.execPath, k8sRunArgs('--tasks', TASKS.join(','), '--run-id', runId), {
      cwd: fx.repo,
      env: fx.cliEnv,
      timeoutMs: 540_000,
    });
    const core = fx.kc.makeApiClient(k8s.CoreV1Api);
    pods = (
      await core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: `agentic-sdlc.dev/run=${runId}` })
    ).items;
  }, 600_000);

  test('3 Jobs ran as real pods of the agent image; 2 tasks pushed, the failing one says why', () => {
    const byId = summaryOf(out);
    expect(out.status, out.stderr).toBe(1);
    expect(Object.keys(byId).sort()).toEqual(TASKS);
    for (const id of ['T002', 'T005']) {
      expect(byId[id], id).toMatchObject({ outcome: 'succeeded', pushed: true });
      expect(String(byId[id]?.sha)).toMatch(/^[0-9a-f]{40}$/);
    }
    expect(byId.T006).toMatchObject({ outcome: 'failed', pushed: false });
    expect(String(byId.T006?.reason)).toMatch(/500/);

    // Real pods on the real node, from the exact image, never pulled.
    expect(pods.map((p) => p.metadata?.labels?.['agentic-sdlc.dev/task']).sort()).toEqual([...TASKS].sort());
    for (const pod of pods) {
      expect(pod.spec?.nodeName).toBe('asdlc-node');
      const c = pod.spec?.containers[0];
      expect(c?.image).toBe(inject('agentImage'));
      expect(c?.imagePullPolicy).toBe('IfNotPresent');
      const terminated = pod.status?.containerStatuses?.[0]?.state?.terminated;
      expect(terminated, pod.metadata?.name).toBeDefined();
    }
  });

  test('no image was pulled: kubelet found the imported image on the node for every pod', async () => {
    const core = fx.kc.makeApiClient(k8s.CoreV1Api);
    const names = new Set(pods.map((p) => p.metadata?.name));
    const events = (await core.listNamespacedEvent({ namespace: NAMESPACE })).items.filter((e) =>
      names.has(e.involvedObject.name),
    );
    expect(events.filter((e) => e.reason === 'Pulling' || e.reason === 'Failed')).toEqual([]);
    const pulled = events.filter((e) => e.reason === 'Pulled');
    expect(new Set(pulled.map((e) => e.involvedObject.name)).size).toBe(pods.length);
    for (const e of pulled) expect(e.message).toMatch(/already present on machine/);
  });

  test('the 2 branches with their commits are on the git server; the agent really edited the files', () => {
    const byId = summaryOf(out);
    const branches = listBranches(fx.gitRoot, 'greeter');
    for (const [id, file, text] of [
      ['T002', 'src/greet.js', 'export function greet(name)'],
      ['T005', 'src/farewell.js', 'export function farewell(name)'],
    ] as const) {
      const branch = String(byId[id]?.branch);
      expect(branches, branch).toContain(branch);
      expect(branchHead(fx.gitRoot, 'greeter', branch)).toBe(byId[id]?.sha);
      expect(git(fx.bareDir, 'show', `${byId[id]?.sha}:${file}`)).toContain(text);
      // The commit is the agent's, on top of the feature branch.
      expect(git(fx.bareDir, 'log', '-1', '--format=%an', String(byId[id]?.sha))).toBe('asdlc-agent');
      expect(git(fx.bareDir, 'rev-parse', `${byId[id]?.sha}^`)).toBe(git(fx.repo, 'rev-parse', 'HEAD'));
    }
    expect(branches.filter((b) => b.includes('t006'))).toEqual([]);
  });

  test("all three agents' logs reached the one terminal, prefixed per task", () => {
    const logs = records(out.stdout).filter((r) => r.type === 'log');
    for (const id of TASKS) {
      const lines = logs.filter((r) => r.task === id).map((r) => String(r.line));
      expect(lines.length, `${id} has no log lines`).toBeGreaterThan(0);
    }
    const t002 = logs
      .filter((r) => r.task === 'T002')
      .map((r) => String(r.line))
      .join('\n');
    expect(t002).toMatch(/clon/i);
    const t006 = logs
      .filter((r) => r.task === 'T006')
      .map((r) => String(r.line))
      .join('\n');
    expect(t006).toMatch(/500|upstream exploded/);
  });

  test('Jobs are kept per the dev profile (cleanup: keep); asdlc status agrees with the summary', async () => {
    const batch = fx.kc.makeApiClient(k8s.BatchV1Api);
    const jobs = await batch.listNamespacedJob({
      namespace: NAMESPACE,
      labelSelector: `agentic-sdlc.dev/run=${runId}`,
    });
    expect(jobs.items.map((j) => j.metadata?.name).sort()).toEqual(
      TASKS.map((t) => taskJobName(runId, t)).sort(),
    );
    for (const j of jobs.items) expect(j.spec?.ttlSecondsAfterFinished).toBeUndefined();

    const status = await runAsync(process.execPath, [CLI_BIN, 'status', runId, '--json'], {
      cwd: fx.repo,
      env: fx.cliEnv,
      timeoutMs: 60_000,
    });
    expect(status.status, status.stderr).toBe(0);
    const view = JSON.parse(status.stdout) as { tasks: { id: string; state: string }[] };
    expect(Object.fromEntries(view.tasks.map((t) => [t.id, t.state]))).toEqual({
      T002: 'succeeded',
      T005: 'succeeded',
      T006: 'failed',
    });
  });

  test("the pods ran under the chart's securityContext, unrelaxed (non-root, read-only root, no capabilities)", async () => {
    const core = fx.kc.makeApiClient(k8s.CoreV1Api);
    const ns = await core.readNamespace({ name: NAMESPACE });
    expect(ns.metadata?.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
    for (const pod of pods) {
      expect(pod.spec?.securityContext).toMatchObject({
        runAsNonRoot: true,
        runAsUser: 10001,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      const sc = pod.spec?.containers[0]?.securityContext;
      expect(sc).toMatchObject({
        runAsNonRoot: true,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      });
      expect(sc?.privileged).toBeFalsy();
      expect(sc?.capabilities?.add ?? []).toEqual([]);
      expect(pod.spec?.hostNetwork).toBeFalsy();
    }
    const ok = pods.filter((p) => p.status?.containerStatuses?.[0]?.state?.terminated?.exitCode === 0);
    expect(ok).toHaveLength(2);
    // The failing agent wrote its reason where kubelet picks it up (terminationMessagePath on the read-only root).
    const failed = pods.find((p) => p.metadata?.labels?.['agentic-sdlc.dev/task'] === 'T006');
    const terminated = failed?.status?.containerStatuses?.[0]?.state?.terminated;
    expect(terminated?.exitCode).not.toBe(0);
    expect(terminated?.message ?? '').toMatch(/500/);
  });

  test('the token came from the Secret by reference, the push used it, and no log line shows it', async () => {
    for (const pod of pods) {
      const env = pod.spec?.containers[0]?.env ?? [];
      const tokenEnv = env.find((e) => e.name === 'GIT_TOKEN');
      expect(tokenEnv?.value).toBeUndefined();
      expect(tokenEnv?.valueFrom?.secretKeyRef?.key).toBe('git-token');
      expect(JSON.stringify(pod)).not.toContain(fx.token);
    }
    // pushes (git-receive-pack) were authenticated with the token's user; unauthenticated tries got 401
    const pushes = fx.gitServer.requests.filter(
      (r) => r.path.endsWith('/git-receive-pack') && r.method === 'POST',
    );
    expect(
      pushes.filter((r) => r.status === 200 && r.user === 'x-access-token').length,
    ).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(fx.gitServer.requests)).not.toContain(fx.token);

    const core = fx.kc.makeApiClient(k8s.CoreV1Api);
    const podLogs = await Promise.all(
      pods.map((p) =>
        core.readNamespacedPodLog({ name: p.metadata?.name ?? '', namespace: NAMESPACE, container: 'agent' }),
      ),
    );
    const events = await core.listNamespacedEvent({ namespace: NAMESPACE });
    const runDir = join(fx.repo, '.agentic-sdlc', 'runs', runId);
    const runFiles = readdirSync(runDir).map((f) => readFileSync(join(runDir, f), 'utf8'));
    for (const [what, text] of [
      ['asdlc stdout', out.stdout],
      ['asdlc stderr', out.stderr],
      ['pod logs', podLogs.join('\n')],
      ['events', JSON.stringify(events.items)],
      ['run record', runFiles.join('\n')],
    ] as const) {
      expect(text.includes(fx.token), `${what} contains the token`).toBe(false);
    }
    expect(podLogs.join('\n').length).toBeGreaterThan(0);
  });

  test('the machine is untouched: kernel settings, interfaces, routes, firewall rules', () => {
    const before = inject('hostStateBefore');
    if (before === null) {
      console.warn(
        '[e2e] the node was already running when the suite started: no before/after comparison of the machine',
      );
      return;
    }
    expect(readHostState(process.env.KUBE_LOCAL_NODE_VETH ?? 'asdlc-h0')).toEqual(before);
  });
});
