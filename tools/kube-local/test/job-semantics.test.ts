import * as k8s from '@kubernetes/client-node';
import { expect, test } from 'vitest';
import { waitFor, waitForJobPod, withNamespace } from '../src/testing.js';
import { jobCondition, jobManifest } from './_fixtures.js';

const ns = withNamespace('jobs');

test('activeDeadlineSeconds: a pod that never finishes fails the Job with DeadlineExceeded (real job controller)', async () => {
  const batch = ns.kc.makeApiClient(k8s.BatchV1Api);
  const namespace = ns.name;
  await batch.createNamespacedJob({
    namespace,
    body: jobManifest('deadline', { outcome: 'hang' }, { activeDeadlineSeconds: 5 }),
  });
  await waitForJobPod(namespace, 'deadline', (p) => p.status?.phase === 'Running', { timeoutMs: 15_000 });

  const failed = await waitFor(
    'Job deadline to fail',
    async () => jobCondition(await batch.readNamespacedJob({ namespace, name: 'deadline' }), 'Failed'),
    { timeoutMs: 30_000 },
  );
  expect(failed.reason).toBe('DeadlineExceeded');
});

test('ttlSecondsAfterFinished: a finished Job is deleted by the real TTL controller', async () => {
  const batch = ns.kc.makeApiClient(k8s.BatchV1Api);
  const namespace = ns.name;
  await batch.createNamespacedJob({
    namespace,
    body: jobManifest('short-lived', { outcome: 'succeed' }, { ttlSecondsAfterFinished: 2 }),
  });
  await waitFor('Job short-lived to complete', async () =>
    jobCondition(await batch.readNamespacedJob({ namespace, name: 'short-lived' }), 'Complete'),
  );
  await waitFor(
    'Job short-lived to be deleted',
    async () => {
      try {
        await batch.readNamespacedJob({ namespace, name: 'short-lived' });
        return false;
      } catch (err) {
        if ((err as { code?: number }).code === 404) return true;
        throw err;
      }
    },
    { timeoutMs: 30_000 },
  );
});
