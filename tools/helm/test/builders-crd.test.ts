import {
  buildExternalSecret,
  buildSecretStore,
  parseRunnerProfile,
  SECRET_STORE_PROVIDERS,
} from '@agentic-sdlc/secrets-config';
import { beforeAll, describe, expect, it } from 'vitest';
import { SchemaRegistry } from '../src/schemas.js';

let schemas: SchemaRegistry;
beforeAll(() => {
  schemas = SchemaRegistry.load();
});

const opts = {
  name: 'runner',
  namespace: 'agent-runner-dev',
  serviceAccountName: 'runner-agent',
  gcp: { projectID: 'your-gcp-project' },
  aws: { region: 'eu-west-1', role: 'arn:aws:iam::111122223333:role/x' },
  azure: { vaultUrl: 'https://v.vault.azure.net', tenantId: 't' },
  vault: { server: 'https://vault:8200', role: 'r', namespace: 'team' },
};

describe('secrets-config builders against the ESO v1 CRD schemas', () => {
  it.each(SECRET_STORE_PROVIDERS)(
    'buildSecretStore(%s) is a valid SecretStore and ClusterSecretStore',
    (provider) => {
      expect(schemas.validate(buildSecretStore(provider, opts))).toEqual([]);
      expect(schemas.validate(buildSecretStore(provider, { ...opts, kind: 'ClusterSecretStore' }))).toEqual(
        [],
      );
    },
  );

  it.each(['ssh', 'token', 'workloadIdentity'] as const)(
    'buildExternalSecret (gitAuth %s) is a valid ExternalSecret',
    (mode) => {
      const ref = (env: string, key: string) => ({
        env,
        key,
        remoteRef: { key: `p/${key}`, property: 'value', version: '3' },
      });
      const profile = parseRunnerProfile({
        image: 'i:1',
        serviceAccountName: 'sa',
        secretName: 'creds',
        model: 'openai/gpt-5',
        gitAuth: { mode },
        secrets: {
          gitToken: ref('GIT_TOKEN', 'git-token'),
          sshPrivateKey: ref('GIT_SSH_PRIVATE_KEY', 'ssh-privatekey'),
          sshKnownHosts: ref('GIT_SSH_KNOWN_HOSTS', 'known_hosts'),
          modelApiKeys: [ref('OPENAI_API_KEY', 'openai-api-key')],
        },
      });
      const es = buildExternalSecret({
        name: 'runner',
        namespace: 'n',
        profile,
        secretStoreRef: { kind: 'ClusterSecretStore', name: 'store' },
        refreshInterval: '15m',
      });
      expect(schemas.validate(es)).toEqual([]);
    },
  );

  it('the validator is not vacuous: unknown fields and wrong types are rejected', () => {
    const store = buildSecretStore('aws', opts);
    expect(
      schemas.validate({ ...store, spec: { provider: { aws: { region: 'r', service: 'Nope' } } } }),
    ).not.toEqual([]);
    expect(
      schemas.validate({
        ...store,
        spec: { provider: { aws: { region: 'r', service: 'SecretsManager', tpyo: 1 } } },
      }),
    ).not.toEqual([]);
    expect(
      schemas.validate({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { a: 1 } }),
    ).not.toEqual([]);
    expect(
      schemas.validate({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' }, spec: { containerz: [] } }),
    ).not.toEqual([]);
    expect(schemas.validate({ apiVersion: 'v1', kind: 'Nope', metadata: { name: 'x' } })).toEqual([
      'no schema for /v1/Nope (apiVersion v1, kind Nope)',
    ]);
  });
});
