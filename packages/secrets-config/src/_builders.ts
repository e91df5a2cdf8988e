import { assertNoLiteralCredentials } from './_credentials.js';
import { SecretsConfigError } from './_errors.js';
import { activeSecretRefs } from './_profile.js';
import type { KubernetesObject, RunnerProfile, SecretStoreProvider } from './types.js';

export const EXTERNAL_SECRETS_API_VERSION = 'external-secrets.io/v1';

export interface SecretStoreRef {
  kind?: 'SecretStore' | 'ClusterSecretStore';
  name: string;
}

export interface BuildExternalSecretOptions {
  /** Name of the ExternalSecret; the target Secret is `profile.secretName`. */
  name: string;
  namespace: string;
  profile: RunnerProfile;
  secretStoreRef: SecretStoreRef;
  /** Default `1h`. */
  refreshInterval?: string;
  /** Default `external-secrets.io/v1`. */
  apiVersion?: string;
  labels?: Record<string, string>;
  creationPolicy?: 'Owner' | 'Orphan' | 'Merge' | 'None';
  deletionPolicy?: 'Retain' | 'Delete' | 'Merge';
}

function fail(message: string): never {
  throw new SecretsConfigError('E_BUILDER_INPUT', message);
}

/**
 * Build the ExternalSecret that syncs the runner Secret (`profile.secretName`): one `data` entry per
 * active secret ref (git credentials of the profile's auth mode + every model API key). Every such ref
 * needs a `remoteRef`. Same output as the chart's `externalsecret.yaml`.
 */
export function buildExternalSecret(opts: BuildExternalSecretOptions): KubernetesObject {
  if (!opts.secretStoreRef?.name) fail('buildExternalSecret: secretStoreRef.name is required');
  const data = activeSecretRefs(opts.profile).map((ref) => {
    if (!ref.remoteRef) {
      fail(`buildExternalSecret: secret ref for env ${ref.env} (Secret key ${ref.key}) has no remoteRef`);
    }
    return { secretKey: ref.key, remoteRef: { ...ref.remoteRef } };
  });
  const obj: KubernetesObject = {
    apiVersion: opts.apiVersion ?? EXTERNAL_SECRETS_API_VERSION,
    kind: 'ExternalSecret',
    metadata: {
      name: opts.name,
      namespace: opts.namespace,
      ...(opts.labels ? { labels: { ...opts.labels } } : {}),
    },
    spec: {
      refreshInterval: opts.refreshInterval ?? '1h',
      secretStoreRef: { kind: opts.secretStoreRef.kind ?? 'SecretStore', name: opts.secretStoreRef.name },
      target: {
        name: opts.profile.secretName,
        creationPolicy: opts.creationPolicy ?? 'Owner',
        deletionPolicy: opts.deletionPolicy ?? 'Retain',
      },
      data,
    },
  };
  assertNoLiteralCredentials(obj, 'ExternalSecret');
  return obj;
}

export interface BuildSecretStoreOptions {
  name: string;
  /** Required for `SecretStore`; ignored for `ClusterSecretStore`. */
  namespace?: string;
  kind?: 'SecretStore' | 'ClusterSecretStore';
  /** ServiceAccount whose workload identity the store uses (the agent runner's). */
  serviceAccountName: string;
  /** Namespace of that ServiceAccount; needed for a ClusterSecretStore. */
  serviceAccountNamespace?: string;
  apiVersion?: string;
  labels?: Record<string, string>;
  gcp?: { projectID: string; clusterLocation?: string; clusterName?: string; clusterProjectID?: string };
  aws?: { region: string; service?: 'SecretsManager' | 'ParameterStore'; role?: string };
  azure?: { vaultUrl: string; tenantId?: string };
  vault?: {
    server: string;
    path?: string;
    version?: 'v1' | 'v2';
    namespace?: string;
    mountPath?: string;
    role: string;
  };
}

const nonEmpty = (o: Record<string, string | undefined>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(o).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== ''),
  );

/**
 * Build a SecretStore (or ClusterSecretStore) for one provider, authenticated with workload identity
 * wherever the provider supports it: GKE Workload Identity (gcp), IRSA via a ServiceAccount JWT (aws),
 * Azure Workload Identity (azure), Kubernetes ServiceAccount auth (vault). No static credentials.
 */
export function buildSecretStore(
  provider: SecretStoreProvider,
  opts: BuildSecretStoreOptions,
): KubernetesObject {
  const kind = opts.kind ?? 'SecretStore';
  if (kind === 'SecretStore' && !opts.namespace)
    fail('buildSecretStore: namespace is required for a SecretStore');
  if (!opts.serviceAccountName) fail('buildSecretStore: serviceAccountName is required (workload identity)');
  const saRef = nonEmpty({
    name: opts.serviceAccountName,
    namespace: kind === 'ClusterSecretStore' ? (opts.serviceAccountNamespace ?? opts.namespace) : undefined,
  });
  let spec: Record<string, unknown>;
  switch (provider) {
    case 'gcp': {
      const g = opts.gcp ?? fail('buildSecretStore(gcp): gcp.projectID is required');
      if (!g.projectID) fail('buildSecretStore(gcp): gcp.projectID is required');
      spec = {
        gcpsm: {
          projectID: g.projectID,
          auth: {
            workloadIdentity: {
              ...nonEmpty({
                clusterLocation: g.clusterLocation,
                clusterName: g.clusterName,
                clusterProjectID: g.clusterProjectID,
              }),
              serviceAccountRef: saRef,
            },
          },
        },
      };
      break;
    }
    case 'aws': {
      const a = opts.aws ?? fail('buildSecretStore(aws): aws.region is required');
      if (!a.region) fail('buildSecretStore(aws): aws.region is required');
      spec = {
        aws: {
          service: a.service ?? 'SecretsManager',
          region: a.region,
          ...nonEmpty({ role: a.role }),
          auth: { jwt: { serviceAccountRef: saRef } },
        },
      };
      break;
    }
    case 'azure': {
      const z = opts.azure ?? fail('buildSecretStore(azure): azure.vaultUrl is required');
      if (!z.vaultUrl) fail('buildSecretStore(azure): azure.vaultUrl is required');
      spec = {
        azurekv: {
          authType: 'WorkloadIdentity',
          vaultUrl: z.vaultUrl,
          ...nonEmpty({ tenantId: z.tenantId }),
          serviceAccountRef: saRef,
        },
      };
      break;
    }
    case 'vault': {
      const v = opts.vault ?? fail('buildSecretStore(vault): vault.server and vault.role are required');
      if (!v.server || !v.role) fail('buildSecretStore(vault): vault.server and vault.role are required');
      spec = {
        vault: {
          server: v.server,
          path: v.path ?? 'secret',
          version: v.version ?? 'v2',
          ...nonEmpty({ namespace: v.namespace }),
          auth: {
            kubernetes: { mountPath: v.mountPath ?? 'kubernetes', role: v.role, serviceAccountRef: saRef },
          },
        },
      };
      break;
    }
    default: {
      const never: never = provider;
      fail(`buildSecretStore: unknown provider ${JSON.stringify(never)}; expected gcp, aws, azure or vault`);
    }
  }
  const obj: KubernetesObject = {
    apiVersion: opts.apiVersion ?? EXTERNAL_SECRETS_API_VERSION,
    kind,
    metadata: {
      name: opts.name,
      ...(kind === 'SecretStore' ? { namespace: opts.namespace } : {}),
      ...(opts.labels ? { labels: { ...opts.labels } } : {}),
    },
    spec: { provider: spec },
  };
  assertNoLiteralCredentials(obj, 'SecretStore');
  return obj;
}
