import { describe, expect, it } from 'vitest';
import { validProfile } from '../test/_fixtures.js';
import { buildExternalSecret, buildSecretStore } from './_builders.js';
import type { SecretsConfigError } from './_errors.js';
import { parseRunnerProfile } from './_profile.js';

const profile = parseRunnerProfile(validProfile());
const base = { name: 'runner', namespace: 'agent-runner-dev', serviceAccountName: 'runner-agent' };

describe('buildExternalSecret', () => {
  it('maps the active secret refs to ESO data entries', () => {
    expect(
      buildExternalSecret({
        name: 'runner',
        namespace: 'agent-runner-dev',
        profile,
        secretStoreRef: { name: 'store' },
        labels: { a: 'b' },
      }),
    ).toEqual({
      apiVersion: 'external-secrets.io/v1',
      kind: 'ExternalSecret',
      metadata: { name: 'runner', namespace: 'agent-runner-dev', labels: { a: 'b' } },
      spec: {
        refreshInterval: '1h',
        secretStoreRef: { kind: 'SecretStore', name: 'store' },
        target: { name: profile.secretName, creationPolicy: 'Owner', deletionPolicy: 'Retain' },
        data: [
          { secretKey: 'git-token', remoteRef: { key: 'agentic-sdlc-git-token' } },
          { secretKey: 'anthropic-api-key', remoteRef: { key: 'anthropic' } },
        ],
      },
    });
  });

  it('fails with E_BUILDER_INPUT when an active ref has no remoteRef or the store is unnamed', () => {
    const p = parseRunnerProfile({
      ...validProfile(),
      secrets: { ...validProfile().secrets, gitToken: { env: 'GIT_TOKEN', key: 'git-token' } },
    });
    expect(() =>
      buildExternalSecret({ name: 'r', namespace: 'n', profile: p, secretStoreRef: { name: 's' } }),
    ).toThrowError(/GIT_TOKEN .* has no remoteRef/);
    try {
      buildExternalSecret({ name: 'r', namespace: 'n', profile, secretStoreRef: { name: '' } });
    } catch (e) {
      expect((e as SecretsConfigError).code).toBe('E_BUILDER_INPUT');
    }
  });
});

describe('buildSecretStore (workload identity, no static credentials)', () => {
  it('gcp: Secret Manager via GKE Workload Identity', () => {
    expect(
      buildSecretStore('gcp', { ...base, gcp: { projectID: 'p', clusterLocation: 'eu', clusterName: 'c' } })
        .spec,
    ).toEqual({
      provider: {
        gcpsm: {
          projectID: 'p',
          auth: {
            workloadIdentity: {
              clusterLocation: 'eu',
              clusterName: 'c',
              serviceAccountRef: { name: 'runner-agent' },
            },
          },
        },
      },
    });
  });

  it('aws: Secrets Manager via IRSA (ServiceAccount JWT)', () => {
    expect(buildSecretStore('aws', { ...base, aws: { region: 'eu-west-1' } }).spec).toEqual({
      provider: {
        aws: {
          service: 'SecretsManager',
          region: 'eu-west-1',
          auth: { jwt: { serviceAccountRef: { name: 'runner-agent' } } },
        },
      },
    });
  });

  it('azure: Key Vault via Azure Workload Identity', () => {
    expect(
      buildSecretStore('azure', { ...base, azure: { vaultUrl: 'https://v.vault.azure.net' } }).spec,
    ).toEqual({
      provider: {
        azurekv: {
          authType: 'WorkloadIdentity',
          vaultUrl: 'https://v.vault.azure.net',
          serviceAccountRef: { name: 'runner-agent' },
        },
      },
    });
  });

  it('vault: Kubernetes auth with the ServiceAccount', () => {
    expect(
      buildSecretStore('vault', { ...base, vault: { server: 'https://vault:8200', role: 'r' } }).spec,
    ).toEqual({
      provider: {
        vault: {
          server: 'https://vault:8200',
          path: 'secret',
          version: 'v2',
          auth: {
            kubernetes: { mountPath: 'kubernetes', role: 'r', serviceAccountRef: { name: 'runner-agent' } },
          },
        },
      },
    });
  });

  it('ClusterSecretStore: cluster-scoped, ServiceAccount namespace set', () => {
    const s = buildSecretStore('aws', { ...base, kind: 'ClusterSecretStore', aws: { region: 'r' } });
    expect(s.kind).toBe('ClusterSecretStore');
    expect(s.metadata.namespace).toBeUndefined();
    expect(JSON.stringify(s.spec)).toContain('"namespace":"agent-runner-dev"');
  });

  it('names what is missing', () => {
    expect(() => buildSecretStore('gcp', base)).toThrowError(/gcp.projectID is required/);
    expect(() => buildSecretStore('vault', { ...base, vault: { server: 's', role: '' } })).toThrowError(
      /vault.role/,
    );
    expect(() =>
      buildSecretStore('aws', { ...base, namespace: undefined, aws: { region: 'r' } }),
    ).toThrowError(/namespace is required/);
    expect(() => buildSecretStore('nope' as 'gcp', base)).toThrowError(/unknown provider "nope"/);
  });
});
