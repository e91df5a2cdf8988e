import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { agentExtraEnv, findLiteralCredentials, parseRunnerProfile } from '@agentic-sdlc/secrets-config';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { helm, type Manifest, template } from '../src/helm.js';
import { CHART_DIR, KUBE_VERSION } from '../src/paths.js';
import { podSecurityRestrictedViolations, podSpecsOf } from '../src/pss.js';
import { byKind } from '../src/render.js';
import { SchemaRegistry } from '../src/schemas.js';

const ciDir = resolve(CHART_DIR, 'ci');
const scenarios = readdirSync(ciDir).filter((f) => f.endsWith('-values.yaml'));
const render = (file: string): Manifest[] =>
  template(CHART_DIR, {
    release: 'agentic-sdlc-agent-runner-ci',
    namespace: 'agent-runner-ci',
    values: [parse(readFileSync(resolve(ciDir, file), 'utf8'))],
  });

let schemas: SchemaRegistry;
const rendered = new Map<string, Manifest[]>();
beforeAll(() => {
  schemas = SchemaRegistry.load();
  rendered.set(
    '(defaults)',
    template(CHART_DIR, { release: 'agentic-sdlc-agent-runner-ci', namespace: 'agent-runner-ci' }),
  );
  for (const f of scenarios) rendered.set(f, render(f));
});

describe('chart scenarios (ci/*-values.yaml and defaults)', () => {
  it('has scenario files', () => expect(scenarios.length).toBeGreaterThanOrEqual(4));

  it('every object is schema-valid, credential-free, restricted, and named within 63 characters', () => {
    for (const [name, ms] of rendered) {
      for (const m of ms) {
        expect(schemas.validate(m), `${name} ${m.kind}/${m.metadata.name}`).toEqual([]);
        expect(m.metadata.name.length, `${name} ${m.kind}`).toBeLessThanOrEqual(63);
        for (const { where, spec } of podSpecsOf(m))
          expect(podSecurityRestrictedViolations(spec), `${name} ${where}`).toEqual([]);
      }
      expect(findLiteralCredentials(ms), name).toEqual([]);
      expect(
        ms.filter((m) => m.kind === 'Secret'),
        name,
      ).toEqual([]);
      const cm = byKind(ms, 'ConfigMap').find((m) => m.metadata.name === 'agentic-sdlc-runner-profile')!;
      expect(
        () => parseRunnerProfile((cm.data as Record<string, string>)['profile.yaml']),
        name,
      ).not.toThrow();
    }
  });

  it('namespace.create renders a restricted-enforcing Namespace; agent RBAC only when asked', () => {
    const ms = rendered.get('namespace-and-agent-rbac-values.yaml')!;
    const [ns] = byKind(ms, 'Namespace');
    expect((ns!.metadata.labels as Record<string, string>)['pod-security.kubernetes.io/enforce']).toBe(
      'restricted',
    );
    const agentRole = byKind(ms, 'Role').find((r) => r.metadata.name.endsWith('-agent'));
    expect(agentRole?.rules).toEqual([{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }]);
    const binding = byKind(ms, 'RoleBinding').find((r) => r.metadata.name.endsWith('-launcher'))!;
    expect(binding.subjects).toEqual([
      { kind: 'User', name: 'alice@your-org.example', apiGroup: 'rbac.authorization.k8s.io' },
      { kind: 'ServiceAccount', name: 'asdlc-ci', namespace: 'agent-runner-ci' },
    ]);
    expect(byKind(rendered.get('(defaults)')!, 'Namespace')).toEqual([]);
    expect(
      byKind(rendered.get('(defaults)')!, 'RoleBinding').filter((r) => !r.metadata.name.endsWith('-test')),
    ).toEqual([]);
  });

  it('ClusterSecretStore + ssh: ESO data has the SSH keys; NetworkPolicy allows DNS, git CIDR:22, model CIDR:443', () => {
    const ms = rendered.get('cluster-store-ssh-values.yaml')!;
    const [es] = byKind(ms, 'ExternalSecret');
    const spec = es!.spec as Record<string, Record<string, unknown> | unknown[]>;
    expect(spec.secretStoreRef).toEqual({ kind: 'ClusterSecretStore', name: 'your-cluster-store' });
    expect((spec.target as Record<string, unknown>).name).toBe('runner-credentials');
    expect((spec.data as { secretKey: string }[]).map((d) => d.secretKey)).toEqual([
      'ssh-privatekey',
      'known_hosts',
      'anthropic-api-key',
    ]);
    expect(byKind(ms, 'SecretStore')).toEqual([]);
    const [np] = byKind(ms, 'NetworkPolicy');
    const egress = (np!.spec as { egress: { to: unknown[]; ports: unknown[] }[] }).egress;
    expect(egress).toHaveLength(4);
    expect(egress[1]).toEqual({
      to: [{ ipBlock: { cidr: '140.82.112.0/20' } }],
      ports: [{ port: 22, protocol: 'TCP' }],
    });
    expect((np!.spec as { policyTypes: string[] }).policyTypes).toEqual(['Ingress', 'Egress']);
  });

  it('externalSecret.enabled=false renders no ExternalSecret; an existing ServiceAccount is used as is', () => {
    const ms = rendered.get('no-externalsecret-values.yaml')!;
    expect(byKind(ms, 'ExternalSecret')).toEqual([]);
    expect(byKind(ms, 'ServiceAccount')).toEqual([]);
    expect(byKind(ms, 'Pod')).toEqual([]);
    const cm = byKind(ms, 'ConfigMap')[0]!;
    expect(parseRunnerProfile((cm.data as Record<string, string>)['profile.yaml']).serviceAccountName).toBe(
      'existing-agent-sa',
    );
  });

  it('profile.opencodeConfig and profile.env reach the profile ConfigMap; unset they add no agent env', () => {
    const profileIn = (ms: Manifest[]) =>
      parseRunnerProfile(
        (
          byKind(ms, 'ConfigMap').find((m) => m.metadata.name === 'agentic-sdlc-runner-profile')!
            .data as Record<string, string>
        )['profile.yaml'],
      );
    const p = profileIn(rendered.get('model-endpoint-values.yaml')!);
    expect(p.model).toBe('gateway/demo');
    expect(p.opencodeConfig).toEqual({
      provider: {
        gateway: {
          npm: '@ai-sdk/openai-compatible',
          options: { baseURL: 'http://10.250.0.1:4010/v1', apiKey: '{env:GATEWAY_API_KEY}' },
          models: { demo: { tool_call: true, limit: { context: 128000, output: 4096 } } },
        },
      },
    });
    expect(p.env).toEqual({ OPENCODE_DISABLE_MODELS_FETCH: '1' });
    expect(agentExtraEnv(p).map((e) => e.name)).toEqual([
      'OPENCODE_CONFIG_CONTENT',
      'OPENCODE_DISABLE_MODELS_FETCH',
    ]);
    // The API key is only referenced: synced by the ExternalSecret, injected from the Secret.
    const [es] = byKind(rendered.get('model-endpoint-values.yaml')!, 'ExternalSecret');
    expect((es!.spec as { data: { secretKey: string }[] }).data.map((d) => d.secretKey)).toContain(
      'gateway-api-key',
    );
    expect(agentExtraEnv(profileIn(rendered.get('(defaults)')!))).toEqual([]);
  });

  it('a 63-character fullname is trimmed so component suffixes fit; digest wins over tag', () => {
    const ms = rendered.get('long-names-values.yaml')!;
    const names = ms.map((m) => m.metadata.name);
    expect(names).toContain('a-very-long-release-name-that-is-exactly-sixty-three-char-agent');
    const cm = byKind(ms, 'ConfigMap')[0]!;
    expect(parseRunnerProfile((cm.data as Record<string, string>)['profile.yaml']).image).toMatch(
      /@sha256:0123/,
    );
  });

  it.each([
    ['serviceAccount.workloadIdentity.provider=gke', /gcpServiceAccount is required/],
    ['serviceAccount.workloadIdentity.provider=eks', /awsRoleArn is required/],
    ['secretStore.create=true,secretStore.provider=aws', /aws.region is required/],
    ['secretStore.create=true,secretStore.provider=vault', /vault.server is required/],
    ['profile.secrets.gitToken=null', /gitToken is required when profile.gitAuth.mode is token/],
    ['profile.env.HOME=/x', /profile\.env\.HOME: HOME is set by the agent Job itself/],
    ['profile.env.ASDLC_MODEL=x', /profile\.env\.ASDLC_MODEL: ASDLC_MODEL is set by the agent Job itself/],
    ['profile.env.OPENCODE_CONFIG_CONTENT=x', /remove it from profile\.env and use profile\.opencodeConfig/],
    [
      'profile.env.GIT_TOKEN=x',
      /profile\.env\.GIT_TOKEN: .*already the env var of profile\.secrets\.gitToken/,
    ],
    [
      'profile.opencodeConfig.model=other/x',
      /profile\.opencodeConfig\.model: "other\/x" disagrees with profile\.model/,
    ],
  ])('fails fast with a message naming the value: --set %s', (set, message) => {
    const r = helm(['template', 'x', CHART_DIR, '--kube-version', KUBE_VERSION, '--set', set]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(message);
  });
});
