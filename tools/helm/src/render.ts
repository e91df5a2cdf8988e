import { type Manifest, template } from './helm.js';
import { CHART_NAME, type Env, namespaceOf, releaseDir, releaseName } from './paths.js';

export const GIT_AUTH_MODES = ['ssh', 'token', 'workloadIdentity'] as const;
export const PROVIDERS = ['gcp', 'aws', 'azure', 'vault'] as const;
export type Mode = (typeof GIT_AUTH_MODES)[number];
export type Provider = (typeof PROVIDERS)[number];

/** Subchart values selecting a secret-store provider and the matching workload identity (placeholders). */
export function providerValues(provider: Provider): Record<string, unknown> {
  switch (provider) {
    case 'gcp':
      return {
        serviceAccount: {
          workloadIdentity: {
            provider: 'gke',
            gcpServiceAccount: 'asdlc-agent@your-gcp-project.iam.gserviceaccount.com',
          },
        },
        secretStore: {
          create: true,
          provider: 'gcp',
          gcp: {
            projectID: 'your-gcp-project',
            clusterLocation: 'europe-west1',
            clusterName: 'your-cluster',
          },
        },
      };
    case 'aws':
      return {
        serviceAccount: {
          workloadIdentity: { provider: 'eks', awsRoleArn: 'arn:aws:iam::111122223333:role/asdlc-agent' },
        },
        secretStore: { create: true, provider: 'aws', aws: { region: 'eu-west-1' } },
      };
    case 'azure':
      return {
        serviceAccount: {
          workloadIdentity: {
            provider: 'azure',
            azureClientId: '00000000-0000-0000-0000-000000000001',
            azureTenantId: '00000000-0000-0000-0000-000000000002',
          },
        },
        secretStore: {
          create: true,
          provider: 'azure',
          azure: { vaultUrl: 'https://your-vault.vault.azure.net' },
        },
      };
    case 'vault':
      return {
        serviceAccount: { workloadIdentity: { provider: 'none' } },
        secretStore: {
          create: true,
          provider: 'vault',
          vault: { server: 'https://vault.your-org.example:8200', role: 'asdlc-agent' },
        },
      };
  }
}

export interface Rendering {
  env: Env;
  mode: Mode;
  provider: Provider;
  label: string;
  manifests: Manifest[];
}

/** `helm template` of one release with the git auth mode and the secret-store provider overridden. */
export function renderRelease(env: Env, mode: Mode, provider: Provider): Rendering {
  const sub = { ...providerValues(provider), profile: { gitAuth: { mode } } };
  const manifests = template(releaseDir(env), {
    release: releaseName(env),
    namespace: namespaceOf(env),
    values: [{ [CHART_NAME]: sub }],
  });
  return { env, mode, provider, label: `${env}/${mode}/${provider}`, manifests };
}

export function renderMatrix(envs: readonly Env[]): Rendering[] {
  const out: Rendering[] = [];
  for (const env of envs)
    for (const mode of GIT_AUTH_MODES)
      for (const provider of PROVIDERS) out.push(renderRelease(env, mode, provider));
  return out;
}

export const byKind = (ms: Manifest[], kind: string): Manifest[] => ms.filter((m) => m.kind === kind);
