import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { FAKE, validProfile } from '../test/_fixtures.js';
import type { SecretsConfigError } from './_errors.js';
import {
  activeSecretRefs,
  parseChartValues,
  parseRunnerProfile,
  profileFromConfigMap,
  secretEnvNames,
  taskTimeoutSeconds,
} from './_profile.js';

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (e) {
    return (e as SecretsConfigError).code;
  }
  return undefined;
};

describe('parseRunnerProfile', () => {
  it('applies the defaults', () => {
    const p = parseRunnerProfile(validProfile());
    expect(p).toMatchObject({
      apiVersion: 'agentic-sdlc.dev/v1alpha1',
      imagePullPolicy: 'IfNotPresent',
      taskTimeout: '2h',
      cleanup: { policy: 'delete', ttlSecondsAfterFinished: 3600 },
      backoffLimit: 1,
      gitAuth: { mode: 'token' },
      branchTemplate: '{branch}-{task}',
      parallelism: 4,
      gitAuthor: { name: 'asdlc-agent', email: 'asdlc-agent@users.noreply.github.com' },
      podLabels: {},
      podAnnotations: {},
    });
    expect(taskTimeoutSeconds(p)).toBe(7200);
  });

  it('parses the same profile from YAML', () => {
    expect(parseRunnerProfile(stringify(validProfile()))).toEqual(parseRunnerProfile(validProfile()));
  });

  it('rejects unknown keys, bad values and missing fields with every issue listed', () => {
    try {
      parseRunnerProfile({
        ...validProfile(),
        model: 'no-slash',
        parallelism: 0,
        tpyo: 1,
        taskTimeout: '0h',
      });
      expect.unreachable();
    } catch (e) {
      const err = e as SecretsConfigError;
      expect(err.code).toBe('E_PROFILE_INVALID');
      expect(err.issues.join('\n')).toMatch(/model/);
      expect(err.issues.join('\n')).toMatch(/parallelism/);
      expect(err.issues.join('\n')).toMatch(/tpyo/);
      expect(err.issues.join('\n')).toMatch(/taskTimeout: duration must be greater than zero/);
    }
    const { image: _, ...noImage } = validProfile();
    expect(codeOf(() => parseRunnerProfile(noImage))).toBe('E_PROFILE_INVALID');
  });

  it('requires the secret refs of the git auth mode', () => {
    const p = validProfile();
    expect(codeOf(() => parseRunnerProfile({ ...p, secrets: { modelApiKeys: [] } }))).toBe(
      'E_PROFILE_INVALID',
    );
    try {
      parseRunnerProfile({ ...p, gitAuth: { mode: 'ssh' } });
    } catch (e) {
      expect((e as SecretsConfigError).issues).toEqual([
        'secrets.sshPrivateKey: required when gitAuth.mode is "ssh"',
        'secrets.sshKnownHosts: required when gitAuth.mode is "ssh"',
      ]);
    }
    expect(
      parseRunnerProfile({ ...p, gitAuth: { mode: 'workloadIdentity' }, secrets: {} }).secrets.modelApiKeys,
    ).toEqual([]);
  });

  it('rejects duplicate env names and Secret keys', () => {
    const p = validProfile();
    p.secrets.modelApiKeys.push({ env: 'GIT_TOKEN', key: 'git-token', remoteRef: { key: 'k' } });
    try {
      parseRunnerProfile(p);
      expect.unreachable();
    } catch (e) {
      expect((e as SecretsConfigError).issues).toEqual([
        'secrets.modelApiKeys.1: env GIT_TOKEN already used by secrets.gitToken',
        'secrets.modelApiKeys.1: Secret key git-token already used by secrets.gitToken',
      ]);
    }
  });

  it('validates the branch template and model shape', () => {
    const p = validProfile();
    expect(parseRunnerProfile({ ...p, branchTemplate: 'agents/{env}/{task}' }).branchTemplate).toBe(
      'agents/{env}/{task}',
    );
    expect(codeOf(() => parseRunnerProfile({ ...p, branchTemplate: '{branch}' }))).toBe('E_PROFILE_INVALID');
    expect(codeOf(() => parseRunnerProfile({ ...p, branchTemplate: '{task} x' }))).toBe('E_PROFILE_INVALID');
    expect(parseRunnerProfile({ ...p, model: 'openrouter/anthropic/claude' }).model).toBe(
      'openrouter/anthropic/claude',
    );
  });

  it('rejects literal credentials before anything else', () => {
    expect(
      codeOf(() => parseRunnerProfile({ ...validProfile(), gitAuthor: { name: FAKE.ghp, email: 'a@b.c' } })),
    ).toBe('E_LITERAL_CREDENTIAL');
    expect(codeOf(() => parseRunnerProfile({ ...validProfile(), token: 'abc' }))).toBe(
      'E_LITERAL_CREDENTIAL',
    );
  });

  it('reports YAML syntax errors and non-mappings', () => {
    expect(codeOf(() => parseRunnerProfile('a: [b'))).toBe('E_PROFILE_YAML');
    expect(codeOf(() => parseRunnerProfile('- a'))).toBe('E_PROFILE_INVALID');
    expect(codeOf(() => parseRunnerProfile(null))).toBe('E_PROFILE_INVALID');
  });
});

describe('profileFromConfigMap', () => {
  it('reads the profile.yaml key', () => {
    const p = profileFromConfigMap({ 'profile.yaml': stringify(validProfile()) });
    expect(p.secretName).toBe('agentic-sdlc-agent-runner-dev-credentials');
  });

  it('names the missing key and the keys found', () => {
    try {
      profileFromConfigMap({ 'other.yaml': 'x' });
      expect.unreachable();
    } catch (e) {
      expect((e as SecretsConfigError).code).toBe('E_PROFILE_CONFIGMAP');
      expect((e as Error).message).toContain('"profile.yaml"');
      expect((e as Error).message).toContain('other.yaml');
    }
    expect(codeOf(() => profileFromConfigMap(undefined))).toBe('E_PROFILE_CONFIGMAP');
  });
});

describe('secretEnvNames / activeSecretRefs', () => {
  it('lists every configured secret env (sorted, unique) for redaction', () => {
    const p = parseRunnerProfile({
      ...validProfile(),
      secrets: {
        ...validProfile().secrets,
        sshPrivateKey: { env: 'GIT_SSH_PRIVATE_KEY', key: 'ssh-privatekey' },
        sshKnownHosts: { env: 'GIT_SSH_KNOWN_HOSTS', key: 'known_hosts' },
      },
    });
    expect(secretEnvNames(p)).toEqual([
      'ANTHROPIC_API_KEY',
      'GIT_SSH_KNOWN_HOSTS',
      'GIT_SSH_PRIVATE_KEY',
      'GIT_TOKEN',
    ]);
    expect(activeSecretRefs(p).map((r) => r.env)).toEqual(['GIT_TOKEN', 'ANTHROPIC_API_KEY']);
    expect(activeSecretRefs({ ...p, gitAuth: { mode: 'ssh' } }).map((r) => r.env)).toEqual([
      'GIT_SSH_PRIVATE_KEY',
      'GIT_SSH_KNOWN_HOSTS',
      'ANTHROPIC_API_KEY',
    ]);
    expect(activeSecretRefs({ ...p, gitAuth: { mode: 'workloadIdentity' } }).map((r) => r.env)).toEqual([
      'ANTHROPIC_API_KEY',
    ]);
  });
});

describe('parseChartValues', () => {
  it('applies defaults to a minimal values object', () => {
    const v = parseChartValues({
      image: { repository: 'r' },
      profile: { model: 'a/b', secrets: validProfile().secrets },
    });
    expect(v.externalSecret).toMatchObject({
      enabled: true,
      apiVersion: 'external-secrets.io/v1',
      refreshInterval: '1h',
    });
    expect(v.serviceAccount.automountServiceAccountToken).toBe(false);
    expect(v.networkPolicy.gitHost.ports).toEqual([
      { port: 443, protocol: 'TCP' },
      { port: 22, protocol: 'TCP' },
    ]);
    expect(v.profileConfigMap.name).toBe('agentic-sdlc-runner-profile');
  });

  it('rejects literal credentials and unknown keys', () => {
    expect(
      codeOf(() =>
        parseChartValues({ image: { repository: 'r' }, profile: { model: 'a/b' }, apiToken: 'x' }),
      ),
    ).toBe('E_LITERAL_CREDENTIAL');
    expect(
      codeOf(() => parseChartValues({ image: { repository: 'r' }, profile: { model: 'a/b' }, extra: 1 })),
    ).toBe('E_VALUES_INVALID');
  });
});
