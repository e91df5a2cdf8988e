import * as k8s from '@kubernetes/client-node';
import { expect, test } from 'vitest';
import { withNamespace } from '../src/testing.js';
import { jobManifest } from './_fixtures.js';

const ns = withNamespace('rbac');

test('a ServiceAccount allowed to create jobs but not delete them gets a real 403 naming verb and resource', async () => {
  const namespace = ns.name;
  const core = ns.kc.makeApiClient(k8s.CoreV1Api);
  const rbac = ns.kc.makeApiClient(k8s.RbacAuthorizationV1Api);

  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'runner' } } });
  await rbac.createNamespacedRole({
    namespace,
    body: {
      metadata: { name: 'job-creator' },
      rules: [{ apiGroups: ['batch'], resources: ['jobs'], verbs: ['create', 'get', 'list', 'watch'] }],
    },
  });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name: 'runner-job-creator' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'job-creator' },
      subjects: [{ kind: 'ServiceAccount', name: 'runner', namespace }],
    },
  });
  const { status } = await core.createNamespacedServiceAccountToken({
    namespace,
    name: 'runner',
    body: { spec: { audiences: [], expirationSeconds: 600 } },
  });

  // The same cluster (and CA), but authenticated as the ServiceAccount through its bound token.
  const cluster = ns.kc.getCurrentCluster()!;
  const asRunner = new k8s.KubeConfig();
  asRunner.loadFromOptions({
    clusters: [cluster],
    users: [{ name: 'runner', token: status!.token }],
    contexts: [{ name: 'runner', cluster: cluster.name, user: 'runner' }],
    currentContext: 'runner',
  });
  const batch = asRunner.makeApiClient(k8s.BatchV1Api);

  await batch.createNamespacedJob({ namespace, body: jobManifest('allowed', { outcome: 'hang' }) });

  const err = await batch.deleteNamespacedJob({ namespace, name: 'allowed' }).then(
    () => undefined,
    (e: unknown) => e as k8s.ApiException<string>,
  );
  expect(err).toBeInstanceOf(k8s.ApiException);
  expect(err!.code).toBe(403);
  const body = JSON.parse(err!.body) as k8s.V1Status;
  expect(body).toMatchObject({ kind: 'Status', reason: 'Forbidden', code: 403 });
  expect(body.details).toMatchObject({ name: 'allowed', group: 'batch', kind: 'jobs' });
  expect(body.message).toBe(
    `jobs.batch "allowed" is forbidden: User "system:serviceaccount:${namespace}:runner" cannot delete resource "jobs" in API group "batch" in the namespace "${namespace}"`,
  );
});
