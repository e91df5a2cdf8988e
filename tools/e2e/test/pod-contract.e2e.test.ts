// The pod contract the agent image relies on, checked in a real container on the real node: a Job built by the
// product's own buildTaskJob from the installed dev profile, switched to SSH auth, with a probe in place of
// asdlc-agent. Catches the day-one pod bugs: a key mounted 0400 that the non-root user cannot read, a HOME that
// is not writable, a read-only root the agent writes to, a termination message that never arrives.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@agentic-sdlc/kube-local/testing';
import { buildTaskJob, taskJobName } from '@agentic-sdlc/pod-launcher';
import { parseRunnerProfile } from '@agentic-sdlc/secrets-config';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, test } from 'vitest';
import { parse } from 'yaml';
import { type Fixture, NAMESPACE, setUpFixture } from '../src/fixture.js';

const SECRET = 'e2e-ssh-credentials';
let fx: Fixture;
let keyDir: string;

beforeAll(async () => {
  fx = await setUpFixture(inject('agentImage'));
  keyDir = mkdtempSync(join(tmpdir(), 'asdlc-e2e-ssh-'));
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'e2e', '-f', join(keyDir, 'id')]);
}, 600_000);
afterAll(async () => {
  if (keyDir) rmSync(keyDir, { recursive: true, force: true });
  await fx?.close();
});

// What the agent does with its environment, as a shell probe; any failure exits non-zero with its reason.
const PROBE = [
  'set -eu',
  'fail() { echo "PROBE FAIL: $*"; echo "$*" > /dev/termination-log; exit 1; }',
  '[ "$(id -u)" = 10001 ] || fail "uid $(id -u)"',
  'touch /probe 2>/dev/null && fail "the root filesystem is writable"',
  'touch "$HOME/.probe" || fail "HOME $HOME is not writable"',
  'mkdir -p "$HOME/.config/opencode" "$HOME/.local/share" || fail "XDG dirs under HOME"',
  'touch /tmp/probe /workspace/probe || fail "/tmp or /workspace not writable"',
  'ssh-keygen -y -f /etc/asdlc/ssh/id_key > /tmp/pub || fail "the SSH key is not readable by uid 10001 ($(stat -c %a:%u:%g /etc/asdlc/ssh/id_key))"',
  'grep -q "e2e.example.invalid" /etc/asdlc/ssh/known_hosts || fail "known_hosts not readable"',
  'echo "GIT_SSH_COMMAND=$GIT_SSH_COMMAND"',
  'git --version && rg --version | head -1 && node --version',
  'echo "key $(stat -c %a /etc/asdlc/ssh/id_key) pub $(cut -d" " -f2 /tmp/pub)"',
  'echo "contract-ok" > /dev/termination-log',
].join('\n');

describe('the pod contract on a real node (SSH auth)', () => {
  test('non-root agent reads its 0400 SSH key, writes HOME/tmp/workspace, not /, and its termination message', async () => {
    const core = fx.kc.makeApiClient(k8s.CoreV1Api);
    const batch = fx.kc.makeApiClient(k8s.BatchV1Api);
    const cm = await core.readNamespacedConfigMap({
      name: 'agentic-sdlc-runner-profile',
      namespace: NAMESPACE,
    });
    const installed = parse(cm.data?.['profile.yaml'] ?? '') as Record<string, unknown>;
    const profile = parseRunnerProfile({ ...installed, secretName: SECRET, gitAuth: { mode: 'ssh' } });

    await core.deleteNamespacedSecret({ name: SECRET, namespace: NAMESPACE }).catch(() => undefined);
    const privateKey = readFileSync(join(keyDir, 'id'), 'utf8');
    const stringData: Record<string, string> = {
      [profile.secrets.sshPrivateKey?.key ?? 'ssh-privatekey']: privateKey,
      [profile.secrets.sshKnownHosts?.key ?? 'known_hosts']:
        `e2e.example.invalid ${readFileSync(join(keyDir, 'id.pub'), 'utf8')}`,
    };
    for (const ref of profile.secrets.modelApiKeys) stringData[ref.key] = `placeholder-${ref.key}`;
    await waitFor(
      'old secret gone',
      async () =>
        !(await core.readNamespacedSecret({ name: SECRET, namespace: NAMESPACE }).catch(() => undefined)),
      { timeoutMs: 30_000 },
    );
    await core.createNamespacedSecret({
      namespace: NAMESPACE,
      body: { metadata: { name: SECRET }, stringData },
    });

    const runId = `e2e-contract-${Date.now().toString(36)}`;
    const job = buildTaskJob({
      profile,
      namespace: NAMESPACE,
      runId,
      task: { id: 'T900', title: 'pod contract probe' },
      feature: '001-greeter',
      repoUrl: 'ssh://git@e2e.example.invalid/greeter.git',
      baseBranch: '001-greeter',
      tasksFile: 'specs/001-greeter/tasks.md',
      branch: '001-greeter-t900',
      image: inject('agentImage'),
      taskTimeoutSeconds: 120,
      command: ['sh', '-c', PROBE, 'probe'],
    });
    // The probe takes the agent's place: its arguments are not for sh.
    const container = job.spec?.template.spec?.containers[0];
    if (container) container.args = [];
    expect(job.spec?.template.spec?.volumes?.find((v) => v.name === 'git-ssh')?.secret?.defaultMode).toBe(
      0o400,
    );
    await batch.createNamespacedJob({ namespace: NAMESPACE, body: job });

    const name = taskJobName(runId, 'T900');
    const pod = await waitFor(
      'the probe pod to terminate',
      async () => {
        const pods = await core.listNamespacedPod({
          namespace: NAMESPACE,
          labelSelector: `job-name=${name}`,
        });
        const p = pods.items[0];
        return p?.status?.containerStatuses?.[0]?.state?.terminated ? p : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    const log = await core.readNamespacedPodLog({ name: pod.metadata?.name ?? '', namespace: NAMESPACE });
    const terminated = pod.status?.containerStatuses?.[0]?.state?.terminated;
    expect(terminated?.exitCode, log).toBe(0);
    expect(terminated?.message?.trim()).toBe('contract-ok');
    const pub = readFileSync(join(keyDir, 'id.pub'), 'utf8').split(' ')[1];
    expect(log).toContain(`pub ${pub}`);
    expect(log).toMatch(/GIT_SSH_COMMAND=ssh -i \/etc\/asdlc\/ssh\/id_key/);
    expect(log).not.toContain('PRIVATE KEY');
    await batch.deleteNamespacedJob({ name, namespace: NAMESPACE, propagationPolicy: 'Background' });
  }, 300_000);
});
