import * as k8s from '@kubernetes/client-node';
import { expect, test } from 'vitest';
import { type PodFate, podFate, waitFor, withNamespace } from '../src/testing.js';
import { jobCondition, jobManifest } from './_fixtures.js';

const ns = withNamespace('stages');

async function runPod(name: string, fate: PodFate, until: (p: k8s.V1Pod) => boolean): Promise<k8s.V1Pod> {
  const core = ns.kc.makeApiClient(k8s.CoreV1Api);
  const namespace = ns.name;
  await core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name, annotations: podFate(fate) },
      spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'registry.invalid/agent:1' }] },
    },
  });
  return waitFor(`pod ${name}`, async () => {
    const p = await core.readNamespacedPod({ namespace, name });
    return until(p) ? p : undefined;
  });
}

const terminated = (p: k8s.V1Pod) => p.status?.containerStatuses?.[0]?.state?.terminated;
const waiting = (p: k8s.V1Pod) => p.status?.containerStatuses?.[0]?.state?.waiting;

test('outcome=fail: Failed with the chosen exit code, reason and message', async () => {
  const p = await runPod(
    'fails',
    { outcome: 'fail', exitCode: 3, reason: 'Error', message: 'tests failed' },
    (p) => ['Failed', 'Succeeded'].includes(p.status?.phase ?? ''),
  );
  expect(p.status?.phase).toBe('Failed');
  expect(terminated(p)).toMatchObject({ exitCode: 3, reason: 'Error', message: 'tests failed' });
});

test('outcome=oom: Failed with exit code 137 and reason OOMKilled', async () => {
  const p = await runPod('ooms', { outcome: 'oom' }, (p) => p.status?.phase === 'Failed');
  expect(terminated(p)).toMatchObject({ exitCode: 137, reason: 'OOMKilled' });
});

test('outcome=waiting: stays Pending with the chosen waiting reason', async () => {
  const pull = await runPod('pull', { outcome: 'waiting' }, (p) => waiting(p) !== undefined);
  expect(pull.status?.phase).toBe('Pending');
  expect(waiting(pull)?.reason).toBe('ImagePullBackOff');
  const config = await runPod(
    'config',
    { outcome: 'waiting', reason: 'CreateContainerConfigError', message: 'secret "api-key" not found' },
    (p) => waiting(p) !== undefined,
  );
  expect(waiting(config)).toEqual({
    reason: 'CreateContainerConfigError',
    message: 'secret "api-key" not found',
  });
});

test('no outcome: a bare pod keeps Running; deleting it kills it (Failed, 137) and removes it', async () => {
  const core = ns.kc.makeApiClient(k8s.CoreV1Api);
  const namespace = ns.name;
  await runPod('runs', {}, (p) => p.status?.phase === 'Running');
  await new Promise((r) => setTimeout(r, 1_000));
  expect((await core.readNamespacedPod({ namespace, name: 'runs' })).status?.phase).toBe('Running');
  await core.deleteNamespacedPod({ namespace, name: 'runs' });
  await waitFor('pod runs to be gone', async () =>
    core.readNamespacedPod({ namespace, name: 'runs' }).then(
      () => false,
      (err: { code?: number }) => err.code === 404,
    ),
  );
});

test('a Job whose pod fails (backoffLimit 0) is Failed with BackoffLimitExceeded', async () => {
  const batch = ns.kc.makeApiClient(k8s.BatchV1Api);
  const namespace = ns.name;
  await batch.createNamespacedJob({
    namespace,
    body: jobManifest('broken', { outcome: 'fail', exitCode: 2 }),
  });
  const failed = await waitFor('Job broken to fail', async () =>
    jobCondition(await batch.readNamespacedJob({ namespace, name: 'broken' }), 'Failed'),
  );
  expect(failed.reason).toBe('BackoffLimitExceeded');
});
