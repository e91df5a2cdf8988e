import { PROFILE_CONFIGMAP_NAME } from '@agentic-sdlc/secrets-config';
import type { V1Job } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeApiserver, json, startFakeApiserver, status } from '../test/fixtures/fake-apiserver.js';
import { jobInput, tokenProfile } from '../test/fixtures/profiles.js';
import {
  buildTaskJob,
  cancelRun,
  cleanupJobs,
  JobConflictError,
  KubeApiError,
  KubeForbiddenError,
  launchJobs,
  listRuns,
  loadKubeConfig,
  loadProfile,
  namespaceForEnv,
  ProfileInvalidError,
  ProfileNotFoundError,
  toKubeError,
} from './index.js';

let api: FakeApiserver;
beforeEach(async () => {
  api = await startFakeApiserver();
});
afterEach(async () => {
  await api.close();
});

async function body(req: import('node:http').IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const c of req) text += c;
  return text === '' ? {} : JSON.parse(text);
}

const forbidden = (verb: string, resource: string, group: string, ns: string) =>
  `${resource}.${group} is forbidden: User "system:serviceaccount:${ns}:ci" cannot ${verb} resource "${resource}" in API group "${group}" in the namespace "${ns}"`;

function jobs(n: number): V1Job[] {
  return Array.from({ length: n }, (_, i) =>
    buildTaskJob({ ...jobInput, profile: tokenProfile, task: { id: `T00${i}`, title: `task ${i}` } }),
  );
}

describe('launchJobs', () => {
  it('creates with a bounded pool, adopts existing Jobs of the same run+task, reports conflicts and 403', async () => {
    const existing = new Map<string, V1Job>();
    let inFlight = 0;
    let maxInFlight = 0;
    let flaky = 1;
    api.handlers.push(async (req, res, url) => {
      if (url.pathname !== '/apis/batch/v1/namespaces/agent-runner-dev/jobs' || req.method !== 'POST')
        return false;
      const job = (await body(req)) as V1Job;
      const name = job.metadata?.name ?? '';
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 20));
      inFlight--;
      if (job.metadata?.labels?.['agentic-sdlc.dev/task'] === 'T003') {
        return status(res, 403, 'Forbidden', forbidden('create', 'jobs', 'batch', 'agent-runner-dev'));
      }
      if (job.metadata?.labels?.['agentic-sdlc.dev/task'] === 'T004' && flaky-- > 0) {
        return status(res, 503, 'ServiceUnavailable', 'etcd leader changed');
      }
      if (existing.has(name)) return status(res, 409, 'AlreadyExists', `jobs.batch "${name}" already exists`);
      existing.set(name, job);
      return json(res, job, 201);
    });
    api.handlers.push((req, res, url) => {
      const m = /^\/apis\/batch\/v1\/namespaces\/agent-runner-dev\/jobs\/(.+)$/.exec(url.pathname);
      if (!m || req.method !== 'GET') return false;
      const job = existing.get(m[1] ?? '');
      return job ? json(res, job) : status(res, 404, 'NotFound', 'nope');
    });
    const all = jobs(6);
    // a foreign Job already holds T005's name
    const foreign = structuredClone(all[5] as V1Job);
    (foreign.metadata as { labels: Record<string, string> }).labels['agentic-sdlc.dev/run'] = 'other-run';
    existing.set(foreign.metadata?.name ?? '', foreign);

    const first = await launchJobs({ kc: api.kc, jobs: all, concurrency: 2 });
    expect(maxInFlight).toBeLessThanOrEqual(2);
    expect(first.created.map((j) => j.metadata?.labels?.['agentic-sdlc.dev/task'])).toEqual([
      'T000',
      'T001',
      'T002',
      'T004',
    ]);
    expect(first.adopted).toEqual([]);
    expect(first.failed).toHaveLength(2);
    const byTask = Object.fromEntries(
      first.failed.map((f) => [f.job.metadata?.labels?.['agentic-sdlc.dev/task'], f.error]),
    );
    expect(byTask.T003).toBeInstanceOf(KubeForbiddenError);
    expect(byTask.T003?.message).toBe(
      'forbidden: "system:serviceaccount:agent-runner-dev:ci" cannot create jobs.batch in agent-runner-dev — the launcher Role needs "create" on jobs.batch in namespace agent-runner-dev (the chart\'s launcher Role grants: create, get, list, watch, delete); check the RoleBinding of the agentic-sdlc-agent-runner release. Server said: ' +
        forbidden('create', 'jobs', 'batch', 'agent-runner-dev'),
    );
    expect(byTask.T005).toBeInstanceOf(JobConflictError);
    expect(byTask.T005?.message).toMatch(/already exists for run "other-run" task "T005"/);

    // a repeated run of the same run id never double-spawns
    const again = await launchJobs({ kc: api.kc, jobs: all.slice(0, 3), concurrency: 3 });
    expect(again.created).toEqual([]);
    expect(again.adopted.map((j) => j.metadata?.name)).toEqual(all.slice(0, 3).map((j) => j.metadata?.name));
  });
});

describe('loadProfile / loadKubeConfig', () => {
  it('missing ConfigMap → ProfileNotFoundError with the namespace and the helm command', async () => {
    const err = await loadProfile({ kc: api.kc, namespace: namespaceForEnv('dev') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProfileNotFoundError);
    expect((err as ProfileNotFoundError).code).toBe('E_PROFILE_NOT_FOUND');
    expect((err as Error).message).toContain('namespace "agent-runner-dev"');
    expect((err as Error).message).toContain(
      'helm upgrade --install agentic-sdlc-agent-runner-dev releases/agentic-sdlc-agent-runner-dev -n agent-runner-dev --create-namespace',
    );
    const other = await loadProfile({ kc: api.kc, namespace: 'custom' }).catch((e: unknown) => e);
    expect((other as Error).message).toContain('pass it with -n');
  });

  it('reads and validates the profile; invalid → ProfileInvalidError; 403 → KubeForbiddenError', async () => {
    let data: Record<string, string> = {
      'profile.yaml': `image: img:1\nserviceAccountName: sa\nsecretName: s\nmodel: a/b\ngitAuth: {mode: workloadIdentity}\n`,
    };
    api.handlers.push((_req, res, url) => {
      if (url.pathname === `/api/v1/namespaces/agent-runner-dev/configmaps/${PROFILE_CONFIGMAP_NAME}`) {
        return json(res, {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: PROFILE_CONFIGMAP_NAME },
          data,
        });
      }
      if (url.pathname.startsWith('/api/v1/namespaces/locked/')) {
        return status(
          res,
          403,
          'Forbidden',
          forbidden('get', 'configmaps', '', 'locked').replace('configmaps.', 'configmaps '),
        );
      }
      return false;
    });
    const profile = await loadProfile({ kc: api.kc, namespace: 'agent-runner-dev' });
    expect(profile).toMatchObject({ image: 'img:1', taskTimeout: '2h', backoffLimit: 1 });
    data = { 'profile.yaml': 'image: 3\n' };
    await expect(loadProfile({ kc: api.kc, namespace: 'agent-runner-dev' })).rejects.toBeInstanceOf(
      ProfileInvalidError,
    );
    const denied = await loadProfile({ kc: api.kc, namespace: 'locked' }).catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(KubeForbiddenError);
    expect((denied as Error).message).toMatch(/cannot get configmaps in locked/);
  });

  it('loadKubeConfig: a missing file is a KubeConfigError naming it', () => {
    expect(() => loadKubeConfig({ kubeconfig: '/nonexistent/kubeconfig' })).toThrow(
      /cannot load kubeconfig "\/nonexistent\/kubeconfig"/,
    );
  });
});

describe('cancelRun / cleanupJobs / listRuns', () => {
  const finished = (name: string, task: string, run: string, at: string | undefined): V1Job => ({
    metadata: {
      name,
      namespace: 'ns',
      creationTimestamp: new Date('2026-01-01T00:00:00Z'),
      labels: {
        'agentic-sdlc.dev/run': run,
        'agentic-sdlc.dev/task': task,
        'app.kubernetes.io/managed-by': 'asdlc',
      },
      annotations: { 'agentic-sdlc.dev/task-id': task, 'agentic-sdlc.dev/run-id': run },
    },
    status: at ? { completionTime: new Date(at), conditions: [{ type: 'Complete', status: 'True' }] } : {},
  });

  it('deletes the right Jobs, names the missing delete permission', async () => {
    const items = [
      finished('a', 'T001', 'r1', '2026-01-01T00:00:00Z'),
      finished('b', 'T002', 'r1', undefined),
      finished('c', 'T001', 'r2', '2026-01-02T23:00:00Z'),
    ];
    const deleted: string[] = [];
    let denyDelete = false;
    api.handlers.push(async (req, res, url) => {
      if (url.pathname === '/apis/batch/v1/namespaces/ns/jobs' && req.method === 'GET') {
        const sel = url.searchParams.get('labelSelector') ?? '';
        const run = /agentic-sdlc\.dev\/run=([^,]+)/.exec(sel)?.[1];
        return json(res, {
          items: items.filter((j) => !run || j.metadata?.labels?.['agentic-sdlc.dev/run'] === run),
        });
      }
      const m = /^\/apis\/batch\/v1\/namespaces\/ns\/jobs\/(.+)$/.exec(url.pathname);
      if (m && req.method === 'DELETE') {
        if (denyDelete) return status(res, 403, 'Forbidden', forbidden('delete', 'jobs', 'batch', 'ns'));
        const b = (await body(req)) as { propagationPolicy?: string };
        deleted.push(`${m[1]}:${url.searchParams.get('propagationPolicy') ?? b.propagationPolicy}`);
        return json(res, { kind: 'Status', status: 'Success' });
      }
      return false;
    });
    const now = Date.parse('2026-01-03T00:00:00Z');
    expect(await cleanupJobs({ kc: api.kc, namespace: 'ns', olderThan: '24h', now })).toEqual({
      deleted: ['a'],
      kept: ['b', 'c'],
    });
    expect(deleted).toEqual(['a:Background']);
    expect(
      await cancelRun({
        kc: api.kc,
        namespace: 'ns',
        runId: 'r1',
        taskIds: ['T002', 'T009'],
        propagationPolicy: 'Foreground',
      }),
    ).toEqual({
      deleted: ['b'],
      missing: ['T009'],
    });
    expect(deleted).toEqual(['a:Background', 'b:Foreground']);
    expect(
      (await listRuns({ kc: api.kc, namespace: 'ns' })).map((r) => [r.runId, r.tasks, r.succeeded, r.active]),
    ).toEqual([
      ['r1', 2, 1, 1],
      ['r2', 1, 1, 0],
    ]);
    denyDelete = true;
    const err = await cleanupJobs({ kc: api.kc, namespace: 'ns', olderThan: 0, now }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(KubeForbiddenError);
    expect((err as Error).message).toMatch(
      /^forbidden: "system:serviceaccount:ns:ci" cannot delete jobs\.batch in ns — the launcher Role needs "delete" on jobs\.batch/,
    );
  });
});

describe('toKubeError', () => {
  it('maps non-403 errors to KubeApiError naming the call', () => {
    const e = toKubeError(
      Object.assign(new Error('HTTP-Code: 500'), { code: 500, body: '{"message":"etcdserver: timeout"}' }),
      {
        verb: 'list',
        resource: 'pods',
        namespace: 'ns',
      },
    );
    expect(e.message).toBe('cannot list pods in namespace ns: HTTP 500: etcdserver: timeout');
    expect(e).toBeInstanceOf(KubeApiError);
    expect((e as KubeApiError).code).toBe('E_KUBE_API');
  });
});
