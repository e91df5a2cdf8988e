import * as k8s from '@kubernetes/client-node';
import { expect, test } from 'vitest';
import { waitFor, waitForJobPod, withNamespace, writePodLog } from '../src/testing.js';
import { jobCondition, jobManifest } from './_fixtures.js';

const ns = withNamespace('smoke');

test('a namespace, a ConfigMap and a Job: the pod goes Pending → Running → Succeeded and its log is read through the apiserver', async () => {
  const core = ns.kc.makeApiClient(k8s.CoreV1Api);
  const batch = ns.kc.makeApiClient(k8s.BatchV1Api);
  const namespace = ns.name;

  await core.createNamespacedConfigMap({
    namespace,
    body: { metadata: { name: 'settings' }, data: { GREETING: 'hello' } },
  });
  expect((await core.readNamespacedConfigMap({ namespace, name: 'settings' })).data).toEqual({
    GREETING: 'hello',
  });

  const job = jobManifest('hello', { outcome: 'succeed', startDelay: '1s', delay: '2s' });
  job.spec!.template.spec!.containers[0]!.envFrom = [{ configMapRef: { name: 'settings' } }];
  await batch.createNamespacedJob({ namespace, body: job });

  const pod = await waitForJobPod(namespace, 'hello');
  const podName = pod.metadata!.name!;
  await writePodLog(namespace, podName, 'main', ['hello from kwok', 'second line']);

  const phases: string[] = [];
  const done = await waitFor(
    `pod ${podName} to succeed`,
    async () => {
      const p = await core.readNamespacedPod({ namespace, name: podName });
      const phase = p.status?.phase ?? '';
      if (phases.at(-1) !== phase) phases.push(phase);
      return phase === 'Succeeded' ? p : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 100 },
  );
  expect(phases).toEqual(['Pending', 'Running', 'Succeeded']);
  expect(done.spec?.nodeName).toMatch(/^kwok-node-[01]$/);
  expect(done.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({
    exitCode: 0,
    reason: 'Completed',
  });

  await waitFor('Job hello to complete', async () =>
    jobCondition(await batch.readNamespacedJob({ namespace, name: 'hello' }), 'Complete'),
  );

  const log = await core.readNamespacedPodLog({ namespace, name: podName, container: 'main' });
  expect(log).toBe('hello from kwok\nsecond line\n');
});
