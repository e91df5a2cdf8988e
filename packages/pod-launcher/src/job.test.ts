import { findLiteralCredentials } from '@agentic-sdlc/secrets-config';
import type { V1Job } from '@kubernetes/client-node';
// Not re-exported by the package index (ambiguous star export): the generated models' serializer.
import { ObjectSerializer } from '@kubernetes/client-node/dist/serializer.js';
import { describe, expect, it } from 'vitest';
import {
  gatewayOpencodeConfig,
  gatewayProfile,
  jobInput,
  sshProfile,
  tokenProfile,
  wiProfile,
} from '../test/fixtures/profiles.js';
import { buildTaskJob, sanitizeLabelValue, taskJobName } from './index.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function podSpec(job: V1Job) {
  const spec = job.spec?.template.spec;
  if (!spec) throw new Error('no pod spec');
  return spec;
}
function agent(job: V1Job) {
  const c = podSpec(job).containers[0];
  if (!c) throw new Error('no container');
  return c;
}

describe('buildTaskJob golden manifests', () => {
  it('token profile', async () => {
    const job = buildTaskJob({ ...jobInput, profile: tokenProfile });
    await expect(`${JSON.stringify(job, null, 2)}\n`).toMatchFileSnapshot('./__snapshots__/job-token.json');
  });
  it('ssh profile (keep cleanup, backoffLimit 2, custom image and allowance)', async () => {
    const job = buildTaskJob({
      ...jobInput,
      profile: sshProfile,
      image: 'registry.local/agent@sha256:0123',
      startupAllowanceSeconds: 300,
      podAnnotations: { 'kwok.agentic-sdlc.dev/outcome': 'succeed' },
    });
    await expect(`${JSON.stringify(job, null, 2)}\n`).toMatchFileSnapshot('./__snapshots__/job-ssh.json');
  });
  it('workload identity profile', async () => {
    const job = buildTaskJob({ ...jobInput, profile: wiProfile });
    await expect(`${JSON.stringify(job, null, 2)}\n`).toMatchFileSnapshot('./__snapshots__/job-wi.json');
  });
  it('gateway profile (opencodeConfig and env)', async () => {
    const job = buildTaskJob({ ...jobInput, profile: gatewayProfile });
    await expect(`${JSON.stringify(job, null, 2)}\n`).toMatchFileSnapshot('./__snapshots__/job-gateway.json');
  });
});

describe("buildTaskJob: the profile's opencodeConfig and env", () => {
  const envOf = (job: V1Job) => agent(job).env ?? [];
  const names = (job: V1Job) => envOf(job).map((e) => e.name);

  it('unset: no OPENCODE_CONFIG_CONTENT and no extra env', () => {
    for (const profile of [tokenProfile, sshProfile, wiProfile]) {
      const job = buildTaskJob({ ...jobInput, profile });
      expect(names(job)).not.toContain('OPENCODE_CONFIG_CONTENT');
      expect(names(job)).not.toContain('OPENCODE_DISABLE_MODELS_FETCH');
    }
  });

  it('opencodeConfig → exactly one OPENCODE_CONFIG_CONTENT with that JSON (keys sorted)', () => {
    const job = buildTaskJob({ ...jobInput, profile: gatewayProfile });
    const entries = envOf(job).filter((e) => e.name === 'OPENCODE_CONFIG_CONTENT');
    expect(entries).toHaveLength(1);
    expect(entries[0]?.valueFrom).toBeUndefined();
    expect(JSON.parse(entries[0]?.value ?? '')).toEqual(gatewayOpencodeConfig);
    expect(entries[0]?.value).toBe(
      '{"provider":{"gateway":{"models":{"demo":{"limit":{"context":128000,"output":4096},"tool_call":true}},' +
        '"npm":"@ai-sdk/openai-compatible","options":{"apiKey":"{env:GATEWAY_API_KEY}","baseURL":"http://10.250.0.1:4010/v1"}}}}',
    );
  });

  it('adds the env after the fixed vars, before the secret refs, sorted by name', () => {
    const job = buildTaskJob({ ...jobInput, profile: gatewayProfile });
    const n = names(job);
    const at = (name: string) => n.indexOf(name);
    expect(n.slice(at('ASDLC_GIT_AUTH_MODE') + 1, at('GIT_TOKEN'))).toEqual([
      'OPENCODE_CONFIG_CONTENT',
      'NO_PROXY',
      'OPENCODE_DISABLE_MODELS_FETCH',
    ]);
    expect(envOf(job).find((e) => e.name === 'OPENCODE_DISABLE_MODELS_FETCH')?.value).toBe('1');
    expect(envOf(job).find((e) => e.name === 'GATEWAY_API_KEY')?.valueFrom?.secretKeyRef).toEqual({
      name: gatewayProfile.secretName,
      key: 'gateway-api-key',
    });
    expect(new Set(n).size).toBe(n.length);
    expect(findLiteralCredentials(job)).toEqual([]);
  });

  it('rejects a literal credential in opencodeConfig', () => {
    const profile = {
      ...gatewayProfile,
      opencodeConfig: { provider: { gateway: { options: { apiKey: 'literal-key-value' } } } },
    };
    expect(() => buildTaskJob({ ...jobInput, profile })).toThrow(
      /opencodeConfig\.provider\.gateway\.options\.apiKey: literal value under credential-like key "apiKey" \(fix: write the value as "\{env:NAME\}"/,
    );
    expect(() => buildTaskJob({ ...jobInput, profile })).not.toThrow(/literal-key-value/);
  });

  it('rejects env names the Job already sets', () => {
    for (const name of ['HOME', 'TMPDIR', 'ASDLC_RUN_ID', 'OPENCODE_CONFIG_CONTENT', 'GIT_SSH_COMMAND']) {
      const profile = { ...gatewayProfile, env: { [name]: 'x' } };
      expect(() => buildTaskJob({ ...jobInput, profile }), name).toThrow(
        new RegExp(`env\\.${name}: ${name} is set by the agent Job itself`),
      );
    }
    const clash = { ...gatewayProfile, env: { GIT_TOKEN: 'x' } };
    expect(() => buildTaskJob({ ...jobInput, profile: clash })).toThrow(/env\.GIT_TOKEN/);
  });

  it('every env name the Job sets itself is reserved', () => {
    const fixed = new Set<string>();
    for (const profile of [tokenProfile, sshProfile, wiProfile]) {
      for (const e of envOf(buildTaskJob({ ...jobInput, profile }))) if (!e.valueFrom) fixed.add(e.name);
    }
    for (const name of fixed) {
      const profile = { ...wiProfile, env: { [name]: 'x' } };
      expect(() => buildTaskJob({ ...jobInput, profile }), name).toThrow(/set by the agent Job itself/);
    }
  });
});

describe('buildTaskJob', () => {
  it('is pure and deterministic', () => {
    const a = buildTaskJob({ ...jobInput, profile: tokenProfile });
    const b = buildTaskJob({ ...jobInput, profile: tokenProfile });
    expect(a).toEqual(b);
    expect(a).not.toBe(b);
  });

  it('round-trips through the client-node serializer without losing a field (schema names)', () => {
    for (const profile of [tokenProfile, sshProfile, wiProfile]) {
      const job = buildTaskJob({ ...jobInput, profile });
      const wire = ObjectSerializer.serialize(job, 'V1Job');
      const back = ObjectSerializer.deserialize(JSON.parse(JSON.stringify(wire)), 'V1Job');
      expect(JSON.parse(JSON.stringify(ObjectSerializer.serialize(back, 'V1Job')))).toEqual(
        JSON.parse(JSON.stringify(job)),
      );
    }
  });

  it('has the Pod Security "restricted" securityContext', () => {
    const job = buildTaskJob({ ...jobInput, profile: sshProfile });
    const spec = podSpec(job);
    expect(spec.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 10001,
      fsGroup: 10001,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(agent(job).securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 10001,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(spec.restartPolicy).toBe('Never');
    expect(spec.serviceAccountName).toBe(sshProfile.serviceAccountName);
    expect(spec.hostNetwork ?? false).toBe(false);
    // writable dirs are emptyDirs: HOME, /tmp, the workspace
    const mounts = Object.fromEntries((agent(job).volumeMounts ?? []).map((m) => [m.mountPath, m.name]));
    expect(mounts).toMatchObject({ '/home/agent': 'home', '/tmp': 'tmp', '/workspace': 'workspace' });
    for (const name of ['home', 'tmp', 'workspace']) {
      expect(spec.volumes?.find((v) => v.name === name)?.emptyDir).toEqual({});
    }
  });

  it('never inlines a credential: secretKeyRef env and a 0400 Secret volume only', () => {
    for (const profile of [tokenProfile, sshProfile, wiProfile]) {
      const job = buildTaskJob({ ...jobInput, profile });
      expect(findLiteralCredentials(job)).toEqual([]);
      for (const e of agent(job).env ?? []) {
        if (/TOKEN|KEY|SECRET|PASSWORD/.test(e.name) && !e.name.startsWith('ASDLC_')) {
          expect(e.value, e.name).toBeUndefined();
          expect(e.valueFrom?.secretKeyRef?.name).toBe(profile.secretName);
        }
      }
    }
    const token = buildTaskJob({ ...jobInput, profile: tokenProfile });
    const refs = Object.fromEntries(
      (agent(token).env ?? [])
        .filter((e) => e.valueFrom)
        .map((e) => [e.name, e.valueFrom?.secretKeyRef?.key]),
    );
    expect(refs).toEqual({
      GIT_TOKEN: 'git-token',
      ANTHROPIC_API_KEY: 'anthropic-api-key',
      OPENAI_API_KEY: 'openai-api-key',
    });

    const ssh = buildTaskJob({ ...jobInput, profile: sshProfile });
    const vol = podSpec(ssh).volumes?.find((v) => v.name === 'git-ssh');
    expect(vol?.secret).toEqual({
      secretName: sshProfile.secretName,
      defaultMode: 0o400,
      items: [
        { key: 'ssh-privatekey', path: 'id_key' },
        { key: 'known_hosts', path: 'known_hosts' },
      ],
    });
    expect(agent(ssh).volumeMounts?.find((m) => m.name === 'git-ssh')).toMatchObject({ readOnly: true });
    // the private key is never an env var, only a file
    expect((agent(ssh).env ?? []).map((e) => e.name)).not.toContain('GIT_SSH_KEY');
    // no git credentials at all with workload identity
    const wi = buildTaskJob({ ...jobInput, profile: wiProfile });
    expect((agent(wi).env ?? []).filter((e) => e.valueFrom)).toEqual([]);
    expect(podSpec(wi).volumes?.some((v) => v.secret)).toBe(false);
  });

  it('labels, annotations and the termination message', () => {
    const job = buildTaskJob({ ...jobInput, profile: tokenProfile, podAnnotations: { 'kwok.x/a': 'b' } });
    const own = {
      'app.kubernetes.io/name': 'agentic-sdlc-agent-runner',
      'app.kubernetes.io/component': 'agent',
      'app.kubernetes.io/managed-by': 'asdlc',
      'agentic-sdlc.dev/run': '20260115-1030-ab12',
      'agentic-sdlc.dev/task': 'T010',
      'agentic-sdlc.dev/feature': '001-greeter',
    };
    expect(job.metadata?.labels).toEqual(own);
    expect(job.spec?.template.metadata?.labels).toEqual({ ...own, team: 'platform' });
    expect(job.metadata?.annotations?.['agentic-sdlc.dev/task-title']).toBe(jobInput.task.title);
    expect(job.spec?.template.metadata?.annotations).toMatchObject({
      'kwok.x/a': 'b',
      'example.com/owner': 'platform',
    });
    expect(agent(job).terminationMessagePath).toBe('/dev/termination-log');
    expect(agent(job).terminationMessagePolicy).toBe('FallbackToLogsOnError');
    for (const v of Object.values(job.spec?.template.metadata?.labels ?? {})) expect(v).toMatch(LABEL_VALUE);
  });

  it('profile labels never override the tool labels', () => {
    const job = buildTaskJob({
      ...jobInput,
      profile: tokenProfile,
      podLabels: { 'agentic-sdlc.dev/run': 'evil', 'app.kubernetes.io/managed-by': 'helm' },
    });
    expect(job.spec?.template.metadata?.labels?.['agentic-sdlc.dev/run']).toBe(jobInput.runId);
    expect(job.spec?.template.metadata?.labels?.['app.kubernetes.io/managed-by']).toBe('asdlc');
  });

  it('deadline, retries, pod failure policy and ttl', () => {
    const token = buildTaskJob({ ...jobInput, profile: tokenProfile });
    expect(token.spec?.activeDeadlineSeconds).toBe(7200 + 600);
    expect(token.spec?.backoffLimit).toBe(1);
    expect(token.spec?.ttlSecondsAfterFinished).toBe(3600);
    expect(token.spec?.podFailurePolicy?.rules).toEqual([
      { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
      { action: 'FailJob', onExitCodes: { containerName: 'agent', operator: 'NotIn', values: [0] } },
    ]);
    const ssh = buildTaskJob({ ...jobInput, profile: sshProfile, startupAllowanceSeconds: 0 });
    expect(ssh.spec?.activeDeadlineSeconds).toBe(1800);
    expect(ssh.spec?.backoffLimit).toBe(2);
    expect(ssh.spec?.ttlSecondsAfterFinished).toBeUndefined();
    const custom = buildTaskJob({
      ...jobInput,
      profile: tokenProfile,
      taskTimeoutSeconds: 60,
      startupAllowanceSeconds: 30,
    });
    expect(custom.spec?.activeDeadlineSeconds).toBe(90);
    expect(agent(custom).args).toContain('60s');
  });

  it('the container runs the agent runner with the task context', () => {
    const job = buildTaskJob({ ...jobInput, profile: tokenProfile });
    expect(agent(job).command).toEqual(['asdlc-agent']);
    const args = agent(job).args ?? [];
    const flag = (f: string) => args[args.indexOf(f) + 1];
    expect(args[0]).toBe('run-task');
    expect(flag('--repo')).toBe(jobInput.repoUrl);
    expect(flag('--task')).toBe('T010');
    expect(flag('--tasks-file')).toBe(jobInput.tasksFile);
    expect(flag('--base')).toBe(jobInput.baseBranch);
    expect(flag('--run')).toBe(jobInput.runId);
    expect(flag('--model')).toBe(tokenProfile.model);
    expect(agent(job).image).toBe(tokenProfile.image);
    expect(agent(job).resources).toEqual({
      limits: { memory: '4Gi' },
      requests: { cpu: '500m', memory: '1Gi' },
    });
  });

  it('rejects missing inputs with a message naming the field', () => {
    expect(() => buildTaskJob({ ...jobInput, profile: tokenProfile, repoUrl: '' })).toThrow(
      /repoUrl must be a non-empty string/,
    );
    expect(() => buildTaskJob({ ...jobInput, profile: tokenProfile, taskTimeoutSeconds: 0 })).toThrow(
      /taskTimeoutSeconds/,
    );
  });
});

describe('names', () => {
  it('job names are deterministic, DNS-1123 and at most 63 characters', () => {
    expect(taskJobName('20260115-1030-ab12', 'T010')).toBe('asdlc-20260115-1030-ab12-t010');
    const long = taskJobName('a-very-long-run-identifier-that-goes-on-and-on-2026-01-15T10:30:00Z', 'T010');
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(DNS_LABEL);
    expect(long).toBe(
      taskJobName('a-very-long-run-identifier-that-goes-on-and-on-2026-01-15T10:30:00Z', 'T010'),
    );
    expect(long).toMatch(/-t010-[0-9a-f]{8}$/);
    // distinct inputs never collide, even when they sanitize alike
    const names = new Set(['Run_1', 'run-1', 'RUN.1', 'run 1'].map((r) => taskJobName(r, 'T001')));
    expect(names.size).toBe(4);
    for (const n of names) expect(n).toMatch(DNS_LABEL);
    for (let i = 0; i < 200; i++) {
      const n = taskJobName(`run-${'x'.repeat(i)}`, `T${'9'.repeat(i % 70)}`);
      expect(n.length).toBeLessThanOrEqual(63);
      expect(n).toMatch(DNS_LABEL);
    }
  });

  it('label values are sanitized, ≤ 63 and stable', () => {
    expect(sanitizeLabelValue('T010')).toBe('T010');
    expect(sanitizeLabelValue('001-greeter')).toBe('001-greeter');
    const odd = sanitizeLabelValue('feature/with spaces & ünïcode');
    expect(odd).toMatch(LABEL_VALUE);
    expect(odd).toBe(sanitizeLabelValue('feature/with spaces & ünïcode'));
    const long = sanitizeLabelValue('x'.repeat(100));
    expect(long.length).toBeLessThanOrEqual(63);
    expect(long).toMatch(LABEL_VALUE);
    expect(sanitizeLabelValue('-._')).toMatch(LABEL_VALUE);
    const job = buildTaskJob({
      ...jobInput,
      profile: tokenProfile,
      feature: 'specs/001 greeter!',
      runId: 'run:1',
    });
    for (const v of Object.values(job.metadata?.labels ?? {})) expect(v).toMatch(LABEL_VALUE);
    expect(job.metadata?.annotations?.['agentic-sdlc.dev/run-id']).toBe('run:1');
  });
});
