import {
  buildExternalSecret,
  buildSecretStore,
  findLiteralCredentials,
  PROFILE_CONFIGMAP_KEY,
  PROFILE_CONFIGMAP_NAME,
  parseRunnerProfile,
  type RunnerProfile,
  secretEnvNames,
} from '@agentic-sdlc/secrets-config';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENVS } from '../src/paths.js';
import { podSecurityRestrictedViolations, podSpecsOf } from '../src/pss.js';
import { byKind, type Rendering, renderMatrix } from '../src/render.js';
import { SchemaRegistry } from '../src/schemas.js';

const LAUNCHER_RULES = [
  { apiGroups: ['batch'], resources: ['jobs'], verbs: ['create', 'get', 'list', 'watch', 'delete'] },
  { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
  { apiGroups: [''], resources: ['configmaps'], verbs: ['get'] },
];

let schemas: SchemaRegistry;
let renders: Rendering[];

beforeAll(() => {
  schemas = SchemaRegistry.load();
  renders = renderMatrix(ENVS);
});

const profileOf = (r: Rendering): RunnerProfile => {
  const cm = byKind(r.manifests, 'ConfigMap').find((m) => m.metadata.name === PROFILE_CONFIGMAP_NAME);
  if (!cm) throw new Error(`${r.label}: no profile ConfigMap`);
  return parseRunnerProfile((cm.data as Record<string, string>)[PROFILE_CONFIGMAP_KEY]);
};

describe('helm template: every release × git auth mode × secret-store provider', () => {
  it('renders 3 releases × 3 modes × 4 providers', () => {
    expect(renders).toHaveLength(36);
    for (const r of renders) expect(r.manifests.length, r.label).toBeGreaterThanOrEqual(6);
  });

  it('every object is valid against the Kubernetes 1.34 / ESO / Argo CD schemas (strict: no unknown fields)', () => {
    const failures: string[] = [];
    for (const r of renders) {
      for (const m of r.manifests) {
        const errors = schemas.validate(m);
        if (errors.length > 0) failures.push(`${r.label} ${m.kind}/${m.metadata.name}: ${errors.join('; ')}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('renders no Secret at all, and so no Secret with data', () => {
    for (const r of renders) {
      const secrets = r.manifests.filter((m) => m.kind === 'Secret');
      expect(
        secrets.filter((s) => s.data || s.stringData),
        r.label,
      ).toEqual([]);
      expect(secrets, r.label).toEqual([]);
    }
  });

  it('contains no credential-looking literal anywhere', () => {
    for (const r of renders) expect(findLiteralCredentials(r.manifests), r.label).toEqual([]);
  });

  it('every pod spec passes Pod Security "restricted"', () => {
    let pods = 0;
    for (const r of renders) {
      for (const m of r.manifests) {
        for (const { where, spec } of podSpecsOf(m)) {
          pods++;
          expect(podSecurityRestrictedViolations(spec), `${r.label} ${where}`).toEqual([]);
        }
      }
    }
    expect(pods).toBe(renders.length); // the helm test pod
  });

  it('the launcher Role has exactly the verbs the Kubernetes executor needs', () => {
    for (const r of renders) {
      const roles = byKind(r.manifests, 'Role').filter((m) => m.metadata.name.endsWith('-launcher'));
      expect(roles, r.label).toHaveLength(1);
      const rules = (roles[0]!.rules as Record<string, unknown>[]).map(
        ({ resourceNames: _, ...rule }) => rule,
      );
      expect(rules, r.label).toEqual(LAUNCHER_RULES);
    }
  });

  it('grants agent pods nothing (no agent Role) and does not mount an API token into them', () => {
    for (const r of renders) {
      expect(
        byKind(r.manifests, 'Role').filter((m) => m.metadata.name.endsWith('-agent')),
        r.label,
      ).toEqual([]);
      const sa = byKind(r.manifests, 'ServiceAccount').find((m) => m.metadata.name.endsWith('-agent'));
      expect(sa?.automountServiceAccountToken, r.label).toBe(false);
    }
  });

  it('the profile ConfigMap parses with parseRunnerProfile and matches the release', () => {
    for (const r of renders) {
      const profile = profileOf(r);
      expect(profile.gitAuth.mode, r.label).toBe(r.mode);
      expect(profile.taskTimeout, r.label).toMatch(/^\d+h$/);
      const sa = byKind(r.manifests, 'ServiceAccount').find(
        (m) => m.metadata.name === profile.serviceAccountName,
      );
      expect(sa, `${r.label}: profile.serviceAccountName is rendered`).toBeDefined();
      expect(profile.podLabels['app.kubernetes.io/component']).toBe('agent');
      if (r.provider === 'azure') expect(profile.podLabels['azure.workload.identity/use']).toBe('true');
      expect(secretEnvNames(profile), r.label).toContain('ANTHROPIC_API_KEY');
    }
  });

  it('chart ExternalSecret and SecretStore equal what the secrets-config builders produce from the profile', () => {
    for (const r of renders) {
      const profile = profileOf(r);
      const [es] = byKind(r.manifests, 'ExternalSecret');
      expect(es, r.label).toBeDefined();
      const spec = es!.spec as {
        secretStoreRef: { kind: 'SecretStore'; name: string };
        refreshInterval: string;
      };
      const built = buildExternalSecret({
        name: es!.metadata.name,
        namespace: String(es!.metadata.namespace),
        profile,
        secretStoreRef: spec.secretStoreRef,
        refreshInterval: spec.refreshInterval,
      });
      expect(es!.spec, r.label).toEqual(built.spec);
      const want =
        r.mode === 'token' ? ['git-token'] : r.mode === 'ssh' ? ['ssh-privatekey', 'known_hosts'] : [];
      expect(
        (built.spec!.data as { secretKey: string }[]).map((d) => d.secretKey),
        r.label,
      ).toEqual([...want, 'anthropic-api-key']);

      const [store] = byKind(r.manifests, 'SecretStore');
      const p = store!.spec as { provider: Record<string, Record<string, unknown>> };
      const cfg = Object.values(p.provider)[0]!;
      const builtStore = buildSecretStore(r.provider, {
        name: store!.metadata.name,
        namespace: String(store!.metadata.namespace),
        serviceAccountName: profile.serviceAccountName,
        gcp: {
          projectID: String(cfg.projectID),
          clusterLocation: 'europe-west1',
          clusterName: 'your-cluster',
        },
        aws: { region: String(cfg.region) },
        azure: { vaultUrl: String(cfg.vaultUrl) },
        vault: { server: String(cfg.server), role: 'asdlc-agent' },
      });
      expect(store!.spec, r.label).toEqual(builtStore.spec);
      expect(spec.secretStoreRef.name, r.label).toBe(store!.metadata.name);
    }
  });

  it('workload identity annotations follow the provider', () => {
    for (const r of renders) {
      const sa = byKind(r.manifests, 'ServiceAccount').find((m) => m.metadata.name.endsWith('-agent'))!;
      const ann = (sa.metadata.annotations ?? {}) as Record<string, string>;
      const labels = (sa.metadata.labels ?? {}) as Record<string, string>;
      if (r.provider === 'gcp')
        expect(ann['iam.gke.io/gcp-service-account']).toMatch(/iam\.gserviceaccount\.com$/);
      if (r.provider === 'aws') expect(ann['eks.amazonaws.com/role-arn']).toMatch(/^arn:aws:iam::/);
      if (r.provider === 'azure') {
        expect(ann['azure.workload.identity/client-id']).toBeTruthy();
        expect(labels['azure.workload.identity/use']).toBe('true');
      }
      if (r.provider === 'vault') expect(Object.keys(ann)).toEqual([]);
    }
  });

  it('every object name and label value fits in 63 characters', () => {
    for (const r of renders) {
      for (const m of r.manifests) {
        expect(m.metadata.name.length, `${r.label} ${m.kind}/${m.metadata.name}`).toBeLessThanOrEqual(63);
        for (const v of Object.values((m.metadata.labels ?? {}) as Record<string, string>)) {
          expect(v.length).toBeLessThanOrEqual(63);
        }
      }
    }
  });
});
