// Against the loopback control plane (tools/kube-local): real apiserver, RBAC, Job controller, watch and
// pods/log; kwok plays the kubelet (pod fate from annotations, logs from files written by the test).
import {
  appendPodLog,
  type PodFate,
  podFate,
  waitFor,
  waitForJobPod,
  withNamespace,
  writePodLog,
} from '@agentic-sdlc/kube-local/testing';
import { LogMultiplexer, type MuxRecord } from '@agentic-sdlc/log-multiplexer';
import {
  PROFILE_CONFIGMAP_KEY,
  PROFILE_CONFIGMAP_NAME,
  type RunnerProfile,
} from '@agentic-sdlc/secrets-config';
import * as k8s from '@kubernetes/client-node';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  buildTaskJob,
  cleanupJobs,
  followTaskLogs,
  KubeForbiddenError,
  launchJobs,
  listRuns,
  loadProfile,
  ProfileNotFoundError,
  readTaskLogs,
  runStatus,
  type TaskEvent,
  taskJobName,
  watchRun,
} from '../../src/index.js';

// Pod Security "restricted" is enforced by the real admission plugin: every agent pod must comply.
const ns = withNamespace('pod-launcher', {
  'pod-security.kubernetes.io/enforce': 'restricted',
  'pod-security.kubernetes.io/enforce-version': 'latest',
});
let profile: RunnerProfile;

const PROFILE_YAML = `
image: registry.invalid/asdlc-agent:1.0.0
serviceAccountName: agent-runner
secretName: runner-secrets
model: anthropic/claude-sonnet-4
taskTimeout: 2h
gitAuth: { mode: token }
secrets:
  gitToken: { env: GIT_TOKEN, key: git-token }
  modelApiKeys:
    - { env: ANTHROPIC_API_KEY, key: anthropic-api-key }
`;

beforeAll(async () => {
  const core = ns.kc.makeApiClient(k8s.CoreV1Api);
  // Before the ConfigMap exists: the readable error.
  await expect(loadProfile({ kc: ns.kc, namespace: ns.name })).rejects.toBeInstanceOf(ProfileNotFoundError);
  await core.createNamespacedServiceAccount({
    namespace: ns.name,
    body: { metadata: { name: 'agent-runner' } },
  });
  await core.createNamespacedConfigMap({
    namespace: ns.name,
    body: {
      metadata: { name: PROFILE_CONFIGMAP_NAME, labels: { 'agentic-sdlc.dev/runner-profile': 'true' } },
      data: { [PROFILE_CONFIGMAP_KEY]: PROFILE_YAML },
    },
  });
  profile = await loadProfile({ kc: ns.kc, namespace: ns.name });
});

function newRunId(): string {
  return `run-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
}

function taskJobInput(runId: string, id: string) {
  return {
    profile,
    namespace: ns.name,
    runId,
    task: { id, title: `Task ${id}` },
    feature: '001-greeter',
    repoUrl: 'https://git.invalid/example/app.git',
    baseBranch: 'main',
    tasksFile: 'specs/001-greeter/tasks.md',
    branch: `001-greeter-${id}`,
  };
}

function taskJob(
  runId: string,
  id: string,
  fate: PodFate,
  extra: { timeout?: number; allowance?: number } = {},
) {
  return buildTaskJob({
    ...taskJobInput(runId, id),
    podAnnotations: podFate(fate),
    ...(extra.timeout !== undefined ? { taskTimeoutSeconds: extra.timeout } : {}),
    ...(extra.allowance !== undefined ? { startupAllowanceSeconds: extra.allowance } : {}),
  });
}

describe('pod-launcher on the loopback cluster', () => {
  test('the built Jobs pass strict server-side validation and Pod Security "restricted" (dry run)', async () => {
    const batch = ns.kc.makeApiClient(k8s.BatchV1Api);
    const core = ns.kc.makeApiClient(k8s.CoreV1Api);
    const sshProfile = {
      ...profile,
      gitAuth: { mode: 'ssh' as const },
      secrets: {
        ...profile.secrets,
        sshPrivateKey: { env: 'GIT_SSH_KEY', key: 'ssh-privatekey' },
        sshKnownHosts: { env: 'GIT_KNOWN_HOSTS', key: 'known_hosts' },
      },
    };
    for (const p of [profile, sshProfile]) {
      const job = buildTaskJob({ ...taskJobInput(newRunId(), 'T001'), profile: p });
      // Strict: an unknown or misspelled field is an error, not silently dropped.
      await batch.createNamespacedJob({
        namespace: ns.name,
        body: job,
        dryRun: 'All',
        fieldValidation: 'Strict',
      });
      // The pod the Job controller will create, checked by the PodSecurity admission plugin of the namespace.
      const template = job.spec?.template;
      await core.createNamespacedPod({
        namespace: ns.name,
        body: {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'psa-check', labels: template?.metadata?.labels },
          spec: template?.spec,
        },
        dryRun: 'All',
        fieldValidation: 'Strict',
      });
    }
    // …and a non-compliant pod is really refused there (the check above is not vacuous).
    const bad = await core
      .createNamespacedPod({
        namespace: ns.name,
        body: { metadata: { name: 'psa-bad' }, spec: { containers: [{ name: 'c', image: 'x' }] } },
        dryRun: 'All',
      })
      .catch((e: unknown) => e);
    expect((bad as { code?: number }).code).toBe(403);
  });

  test('5 Jobs in parallel: all succeed, every log line arrives exactly once, a relaunch adopts', async () => {
    const runId = newRunId();
    const ids = ['T010', 'T011', 'T012', 'T013', 'T014'];
    const jobs = ids.map((id) => taskJob(runId, id, { outcome: 'succeed', delay: '12s' }));

    const events: TaskEvent[] = [];
    const watch = await watchRun({ kc: ns.kc, namespace: ns.name, runId, onEvent: (e) => events.push(e) });
    try {
      const started = Date.now();
      const launched = await launchJobs({ kc: ns.kc, jobs, concurrency: 5 });
      const launchMs = Date.now() - started;
      expect(launched.failed).toEqual([]);
      expect(launched.created).toHaveLength(5);
      expect(launchMs).toBeLessThan(5_000);

      // Follow every task's log through the apiserver from before its pod exists, all merged into one
      // LogMultiplexer stream (the CLI's wiring).
      const mux = new LogMultiplexer();
      const merged: MuxRecord[] = [];
      const reading = (async () => {
        for await (const r of mux) merged.push(r);
      })();
      const followers = ids.map((id, i) =>
        mux.addSource(
          id,
          followTaskLogs({
            kc: ns.kc,
            namespace: ns.name,
            runId,
            task: id,
            // half of them find their pod in the watch's informer cache instead of listing pods
            ...(i % 2 === 1 ? { findPod: async () => watch.pod(id) } : {}),
            statusCheckMs: 500,
            retryMaxMs: 2000,
            maxRetries: 40,
          }),
        ),
      );

      // Write each pod's log (kwok serves it) in two parts, many lines per second.
      const expected = new Map<string, string[]>();
      await Promise.all(
        ids.map(async (id) => {
          const pod = await waitForJobPod(
            ns.name,
            taskJobName(runId, id),
            (p) => p.status?.phase === 'Running',
            {
              timeoutMs: 30_000,
            },
          );
          const lines = Array.from({ length: 200 }, (_, i) => `${id} line ${String(i).padStart(3, '0')}`);
          expected.set(id, lines);
          const podName = pod.metadata?.name ?? '';
          await writePodLog(ns.name, podName, 'agent', lines.slice(0, 100));
          await new Promise((r) => setTimeout(r, 300));
          await appendPodLog(ns.name, podName, 'agent', lines.slice(100, 150));
          await new Promise((r) => setTimeout(r, 300));
          await appendPodLog(ns.name, podName, 'agent', lines.slice(150));
        }),
      );

      const settled = await watch.settled(ids, { timeoutMs: 60_000 });
      expect(settled.map((s) => [s.task, s.state])).toEqual(ids.map((id) => [id, 'succeeded']));
      await Promise.race([
        Promise.all(followers),
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error('followers did not finish in 30 s')), 30_000),
        ),
      ]);
      mux.close();
      await reading;
      const logs = merged.filter((r) => r.type === 'log');
      expect(logs).toHaveLength(5 * 200);
      for (const id of ids) {
        // one stream, prefixed by task, every line exactly once and in order
        expect(
          logs.filter((r) => r.task === id).map((r) => r.line),
          id,
        ).toEqual(expected.get(id));
      }

      // every task went through running to succeeded, in order, and nothing went backwards
      for (const id of ids) {
        const states = events.filter((e) => e.task === id).map((e) => e.state);
        expect(states.at(-1), id).toBe('succeeded');
        expect(states, id).toContain('running');
      }

      // The non-follow variant reads the same lines once.
      const tail: string[] = [];
      for await (const l of readTaskLogs({
        kc: ns.kc,
        namespace: ns.name,
        runId,
        task: 'T012',
        tailLines: 3,
      }))
        tail.push(l.line);
      expect(tail).toEqual(expected.get('T012')?.slice(-3));

      // A repeated run of the same run id adopts instead of double-spawning.
      const again = await launchJobs({ kc: ns.kc, jobs, concurrency: 5 });
      expect(again.created).toEqual([]);
      expect(again.adopted.map((j) => j.metadata?.name).sort()).toEqual(
        jobs.map((j) => j.metadata?.name).sort(),
      );
      const batch = ns.kc.makeApiClient(k8s.BatchV1Api);
      const all = await batch.listNamespacedJob({
        namespace: ns.name,
        labelSelector: `agentic-sdlc.dev/run=${runId}`,
      });
      expect(all.items).toHaveLength(5);

      const status = await runStatus({ kc: ns.kc, namespace: ns.name, runId });
      expect(status.map((s) => [s.task, s.state, s.branch])).toEqual(
        ids.map((id) => [id, 'succeeded', `001-greeter-${id}`]),
      );
      expect(
        (await listRuns({ kc: ns.kc, namespace: ns.name })).find((r) => r.runId === runId),
      ).toMatchObject({
        tasks: 5,
        succeeded: 5,
      });
    } finally {
      await watch.stop();
    }
  });

  test("a pod that never finishes is reported timed out by the job controller's DeadlineExceeded", async () => {
    const runId = newRunId();
    const job = taskJob(runId, 'T020', { outcome: 'hang' }, { timeout: 4, allowance: 2 });
    expect(job.spec?.activeDeadlineSeconds).toBe(6);
    const events: TaskEvent[] = [];
    const watch = await watchRun({ kc: ns.kc, namespace: ns.name, runId, onEvent: (e) => events.push(e) });
    try {
      const launched = await launchJobs({ kc: ns.kc, jobs: [job] });
      expect(launched.created).toHaveLength(1);
      const batch = ns.kc.makeApiClient(k8s.BatchV1Api);
      const startTime = await waitFor('the Job to start', async () => {
        const j = await batch.readNamespacedJob({ name: job.metadata?.name ?? '', namespace: ns.name });
        return j.status?.startTime;
      });
      const [done] = await watch.settled(['T020'], { timeoutMs: 40_000 });
      const reportedAfterMs = Date.now() - new Date(startTime).getTime();
      expect(done?.state).toBe('timed-out');
      expect(done?.reason).toBe("timed out after 6s (the Job's activeDeadlineSeconds)");
      expect(done?.failure).toEqual({ kind: 'DeadlineExceeded', seconds: 6 });
      // within 10 s of the deadline
      expect(reportedAfterMs).toBeLessThan(6_000 + 10_000);
      expect(events.map((e) => e.state)).toContain('running');
    } finally {
      await watch.stop();
    }
  });

  test('failure reasons per task while the others go on', async () => {
    const runId = newRunId();
    const secretMessage = `couldn't find key anthropic-api-key in Secret ${ns.name}/runner-secrets`;
    const jobs = [
      taskJob(runId, 'T030', {
        outcome: 'waiting',
        reason: 'CreateContainerConfigError',
        message: secretMessage,
      }),
      taskJob(runId, 'T031', {
        outcome: 'waiting',
        reason: 'ErrImagePull',
        message: 'failed to pull image "registry.invalid/asdlc-agent:1.0.0": not found',
      }),
      taskJob(runId, 'T032', { outcome: 'fail', exitCode: 3, delay: '1s' }),
      taskJob(runId, 'T033', { outcome: 'oom', delay: '1s' }),
      taskJob(runId, 'T034', { outcome: 'succeed', delay: '2s' }),
    ];
    const watch = await watchRun({ kc: ns.kc, namespace: ns.name, runId, onEvent: () => {} });
    try {
      const launched = await launchJobs({ kc: ns.kc, jobs, concurrency: 5 });
      expect(launched.failed).toEqual([]);
      const settled = await watch.settled(['T030', 'T031', 'T032', 'T033', 'T034'], { timeoutMs: 45_000 });
      const by = Object.fromEntries(settled.map((s) => [s.task, s]));
      expect(by.T030).toMatchObject({
        state: 'failed',
        reason:
          'missing key "anthropic-api-key" in Secret "runner-secrets" (CreateContainerConfigError) — check the ExternalSecret and the profile\'s secret refs',
      });
      expect(by.T031?.state).toBe('failed');
      expect(by.T031?.reason).toMatch(
        /^cannot pull image registry\.invalid\/asdlc-agent:1\.0\.0 \(ErrImagePull\)/,
      );
      expect(by.T032).toMatchObject({ state: 'failed', reason: 'agent exited with code 3' });
      expect(by.T033?.state).toBe('failed');
      expect(by.T033?.reason).toMatch(/^out of memory \(OOMKilled/);
      expect(by.T034?.state).toBe('succeeded');
      // the agent's own failure fails the Job at once (podFailurePolicy FailJob), no retry pod
      const core = ns.kc.makeApiClient(k8s.CoreV1Api);
      const pods = await core.listNamespacedPod({
        namespace: ns.name,
        labelSelector: `agentic-sdlc.dev/run=${runId},agentic-sdlc.dev/task=T032`,
      });
      expect(pods.items).toHaveLength(1);
      const status = await runStatus({ kc: ns.kc, namespace: ns.name, runId });
      expect(status.find((s) => s.task === 'T032')?.failure).toMatchObject({ kind: 'ExitCode', exitCode: 3 });
    } finally {
      await watch.stop();
    }
  });

  test("RBAC: the chart's launcher Role works; without delete, cleanup names the missing permission", async () => {
    const namespace = ns.name;
    const core = ns.kc.makeApiClient(k8s.CoreV1Api);
    const rbac = ns.kc.makeApiClient(k8s.RbacAuthorizationV1Api);
    // The rules of charts/agentic-sdlc-agent-runner/templates/rbac-launcher.yaml.
    const launcherRules: k8s.V1PolicyRule[] = [
      { apiGroups: ['batch'], resources: ['jobs'], verbs: ['create', 'get', 'list', 'watch', 'delete'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
      { apiGroups: [''], resources: ['configmaps'], resourceNames: [PROFILE_CONFIGMAP_NAME], verbs: ['get'] },
    ];
    const withoutDelete = launcherRules.map((r) =>
      r.resources?.includes('jobs') ? { ...r, verbs: r.verbs.filter((v) => v !== 'delete') } : r,
    );
    async function serviceAccountKc(name: string, rules: k8s.V1PolicyRule[]): Promise<k8s.KubeConfig> {
      await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
      await rbac.createNamespacedRole({ namespace, body: { metadata: { name }, rules } });
      await rbac.createNamespacedRoleBinding({
        namespace,
        body: {
          metadata: { name },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
          subjects: [{ kind: 'ServiceAccount', name, namespace }],
        },
      });
      const token = await core.createNamespacedServiceAccountToken({
        namespace,
        name,
        body: { spec: { audiences: [], expirationSeconds: 600 } },
      });
      const cluster = ns.kc.getCurrentCluster();
      if (!cluster || !token.status?.token) throw new Error('no cluster or token');
      const kc = new k8s.KubeConfig();
      kc.loadFromOptions({
        clusters: [cluster],
        users: [{ name, token: token.status.token }],
        contexts: [{ name, cluster: cluster.name, user: name }],
        currentContext: name,
      });
      return kc;
    }
    const full = await serviceAccountKc('launcher', launcherRules);
    const noDelete = await serviceAccountKc('launcher-no-delete', withoutDelete);

    // Everything works with the launcher Role: profile, launch, watch, logs, status, cleanup.
    const runId = newRunId();
    const asLauncher = { kc: full, namespace };
    await waitFor('the RoleBinding to take effect', async () =>
      Boolean(await loadProfile(asLauncher).catch(() => false)),
    );
    const job = taskJob(runId, 'T040', { outcome: 'succeed', delay: '6s' });
    const watch = await watchRun({ ...asLauncher, runId, onEvent: () => {} });
    try {
      expect((await launchJobs({ kc: full, jobs: [job] })).created).toHaveLength(1);
      const pod = await waitForJobPod(
        namespace,
        taskJobName(runId, 'T040'),
        (p) => p.status?.phase === 'Running',
      );
      await writePodLog(namespace, pod.metadata?.name ?? '', 'agent', ['hello from T040']);
      const lines: string[] = [];
      for await (const l of followTaskLogs({ ...asLauncher, runId, task: 'T040', statusCheckMs: 500 }))
        lines.push(l.line);
      expect(lines).toEqual(['hello from T040']);
      expect((await watch.settled(['T040'], { timeoutMs: 30_000 }))[0]?.state).toBe('succeeded');
      expect((await runStatus({ ...asLauncher, runId }))[0]?.state).toBe('succeeded');
    } finally {
      await watch.stop();
    }

    // Without delete: cleanup fails naming the missing permission.
    const err = await cleanupJobs({ kc: noDelete, namespace, olderThan: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeForbiddenError);
    expect((err as Error).message).toMatch(
      new RegExp(
        `^forbidden: "system:serviceaccount:${namespace}:launcher-no-delete" cannot delete jobs\\.batch in ${namespace} — the launcher Role needs "delete" on jobs\\.batch`,
      ),
    );
    // With it, cleanup deletes finished Jobs of this tool only.
    const other = ns.kc.makeApiClient(k8s.BatchV1Api);
    await other.createNamespacedJob({
      namespace,
      body: {
        metadata: { name: 'not-ours', labels: { 'app.kubernetes.io/managed-by': 'someone-else' } },
        spec: {
          template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'x' }] } },
        },
      },
    });
    const cleaned = await cleanupJobs({ kc: full, namespace, olderThan: 0 });
    expect(cleaned.deleted).toContain(taskJobName(runId, 'T040'));
    expect([...cleaned.deleted, ...cleaned.kept]).not.toContain('not-ours');
  });
});
