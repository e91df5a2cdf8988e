import { describe, expect, it } from 'vitest';
import { FAKE, validProfile } from '../test/_fixtures.js';
import { agentEnvIssues, agentExtraEnv, stableJsonStringify } from './_agentenv.js';
import type { SecretsConfigError } from './_errors.js';
import { parseChartValues, parseRunnerProfile } from './_profile.js';

/** The example of docs/deploy.md: an OpenAI-compatible gateway whose key comes from a Secret. */
const gatewayConfig = () => ({
  provider: {
    gateway: {
      npm: '@ai-sdk/openai-compatible',
      options: { baseURL: 'http://10.250.0.1:4010/v1', apiKey: '{env:GATEWAY_API_KEY}' },
      models: { demo: { tool_call: true, limit: { context: 128000, output: 4096 } } },
    },
  },
});

const gatewayProfile = (extra: Record<string, unknown> = {}) => {
  const p = validProfile();
  return {
    ...p,
    model: 'gateway/demo',
    secrets: {
      ...p.secrets,
      modelApiKeys: [{ env: 'GATEWAY_API_KEY', key: 'gateway-api-key' }],
    },
    opencodeConfig: gatewayConfig(),
    env: { OPENCODE_DISABLE_MODELS_FETCH: '1', NO_PROXY: '10.0.0.0/8' },
    ...extra,
  };
};

const errorOf = (fn: () => unknown): SecretsConfigError => {
  try {
    fn();
  } catch (e) {
    return e as SecretsConfigError;
  }
  throw new Error('expected an error');
};

describe('profile opencodeConfig and env', () => {
  it('are optional: unset, the profile has env {} and no opencodeConfig, and adds no env var', () => {
    const p = parseRunnerProfile(validProfile());
    expect(p.env).toEqual({});
    expect(p).not.toHaveProperty('opencodeConfig');
    expect(agentExtraEnv(p)).toEqual([]);
    expect(agentExtraEnv(parseRunnerProfile({ ...validProfile(), opencodeConfig: {} }))).toEqual([]);
  });

  it('gives OPENCODE_CONFIG_CONTENT (stable JSON) then env sorted by name', () => {
    const p = parseRunnerProfile(gatewayProfile());
    const env = agentExtraEnv(p);
    expect(env.map((e) => e.name)).toEqual([
      'OPENCODE_CONFIG_CONTENT',
      'NO_PROXY',
      'OPENCODE_DISABLE_MODELS_FETCH',
    ]);
    expect(JSON.parse(env[0]!.value)).toEqual(gatewayConfig());
    expect(env[0]!.value).toBe(stableJsonStringify(gatewayConfig()));
    // Key order of the input does not matter.
    const reordered = parseRunnerProfile(
      gatewayProfile({ opencodeConfig: JSON.parse(JSON.stringify(gatewayConfig(), null, 0)) }),
    );
    expect(agentExtraEnv(reordered)).toEqual(env);
  });

  it('stableJsonStringify sorts keys at every level and keeps array order', () => {
    expect(stableJsonStringify({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('rejects a literal credential in opencodeConfig, naming the path and the fix', () => {
    const config = gatewayConfig();
    config.provider.gateway.options.apiKey = 'not-a-reference';
    const err = errorOf(() => parseRunnerProfile(gatewayProfile({ opencodeConfig: config })));
    expect(err.code).toBe('E_LITERAL_CREDENTIAL');
    expect(err.message).toContain('opencodeConfig.provider.gateway.options.apiKey');
    expect(err.message).toContain('"{env:NAME}"');
    expect(err.message).toContain('secrets.modelApiKeys');
    expect(err.message).not.toContain('not-a-reference');

    const header = errorOf(() =>
      parseRunnerProfile(
        gatewayProfile({
          opencodeConfig: { provider: { g: { options: { headers: { 'X-Key': FAKE.sk } } } } },
        }),
      ),
    );
    expect(header.code).toBe('E_LITERAL_CREDENTIAL');
    expect(header.message).toContain('opencodeConfig.provider.g.options.headers.X-Key');
    expect(header.message).not.toContain(FAKE.sk);
  });

  it('accepts {env:NAME} (and "Bearer {env:NAME}") credentials that are secret envs of the profile', () => {
    const config = {
      provider: { g: { options: { headers: { Authorization: 'Bearer {env:GATEWAY_API_KEY}' } } } },
    };
    expect(() => parseRunnerProfile(gatewayProfile({ opencodeConfig: config }))).not.toThrow();
    const literal = { provider: { g: { options: { headers: { Authorization: 'Bearer abc' } } } } };
    expect(errorOf(() => parseRunnerProfile(gatewayProfile({ opencodeConfig: literal }))).code).toBe(
      'E_LITERAL_CREDENTIAL',
    );
  });

  it('rejects a {env:NAME} credential that is not a secret env, or that is a plain env var', () => {
    const config = gatewayConfig();
    config.provider.gateway.options.apiKey = '{env:OTHER_KEY}';
    const missing = errorOf(() => parseRunnerProfile(gatewayProfile({ opencodeConfig: config })));
    expect(missing.code).toBe('E_PROFILE_INVALID');
    expect(missing.message).toContain(
      'opencodeConfig.provider.gateway.options.apiKey: {env:OTHER_KEY} is a credential but OTHER_KEY is not a secret env',
    );
    const plain = errorOf(() =>
      parseRunnerProfile(gatewayProfile({ opencodeConfig: config, env: { OTHER_KEY: 'x' } })),
    );
    expect(plain.message).toContain('OTHER_KEY is a plain env var');
  });

  it('rejects an opencodeConfig.model other than model', () => {
    const err = errorOf(() =>
      parseRunnerProfile(gatewayProfile({ opencodeConfig: { ...gatewayConfig(), model: 'gateway/other' } })),
    );
    expect(err.code).toBe('E_PROFILE_INVALID');
    expect(err.message).toContain(
      'opencodeConfig.model: "gateway/other" disagrees with model "gateway/demo"',
    );
    expect(() =>
      parseRunnerProfile(gatewayProfile({ opencodeConfig: { ...gatewayConfig(), model: 'gateway/demo' } })),
    ).not.toThrow();
  });

  it.each([
    ['HOME', 'set by the agent Job itself'],
    ['TMPDIR', 'set by the agent Job itself'],
    ['GIT_SSH_COMMAND', 'set by the agent Job itself'],
    ['ASDLC_MODEL', 'set by the agent Job itself'],
    ['OPENCODE_CONFIG_CONTENT', 'use opencodeConfig instead'],
    ['GIT_TOKEN', 'literal value under credential-like key'],
    ['GATEWAY_API_KEY', 'literal value under credential-like key'],
  ])('rejects env name %s', (name, message) => {
    const err = errorOf(() => parseRunnerProfile(gatewayProfile({ env: { [name]: '/x' } })));
    expect(err.message).toContain(`env.${name}`);
    expect(err.message).toContain(message);
  });

  it('rejects an env name that a secret ref already uses', () => {
    const p = gatewayProfile({ env: { GIT_KNOWN_HOSTS: 'x' } });
    p.secrets.modelApiKeys.push({ env: 'GIT_KNOWN_HOSTS', key: 'known-hosts' });
    expect(errorOf(() => parseRunnerProfile(p)).message).toContain(
      'env.GIT_KNOWN_HOSTS: GIT_KNOWN_HOSTS is already the env var of secrets.modelApiKeys.1 (a Secret ref)',
    );
  });

  it('rejects invalid env names, non-string values and credential-like values', () => {
    expect(errorOf(() => parseRunnerProfile(gatewayProfile({ env: { 'A-B': 'x' } }))).message).toContain(
      'env.A-B: not a valid env var name',
    );
    expect(errorOf(() => parseRunnerProfile(gatewayProfile({ env: { A: 1 } }))).message).toContain(
      'env.A: env var value must be a string',
    );
    const cred = errorOf(() =>
      parseRunnerProfile(gatewayProfile({ env: { HTTPS_PROXY: 'http://u:pw@proxy:3128', X: FAKE.ghp } })),
    );
    expect(cred.code).toBe('E_LITERAL_CREDENTIAL');
    expect(cred.message).toContain('env.HTTPS_PROXY: value looks like a URL with an embedded password');
    expect(cred.message).toContain('env holds non-secret values only');
    expect(cred.message).not.toContain(FAKE.ghp);
    // lower-case proxy names are fine
    expect(() => parseRunnerProfile(gatewayProfile({ env: { no_proxy: 'localhost' } }))).not.toThrow();
  });

  it('chart values: the same rules under profile.', () => {
    const { image: _i, serviceAccountName: _s, secretName: _n, ...profile } = gatewayProfile();
    const values = { image: { repository: 'ghcr.io/x/agent' }, profile };
    expect(parseChartValues(values).profile.opencodeConfig).toEqual(gatewayConfig());
    const err = errorOf(() =>
      parseChartValues({ ...values, profile: { ...profile, env: { ASDLC_RUN_ID: 'x' } } }),
    );
    expect(err.code).toBe('E_VALUES_INVALID');
    expect(err.message).toContain('profile.env.ASDLC_RUN_ID');
    const lit = errorOf(() =>
      parseChartValues({ ...values, profile: { ...profile, opencodeConfig: { p: { apiKey: 'abc' } } } }),
    );
    expect(lit.message).toContain('profile.opencodeConfig.p.apiKey');
    expect(lit.message).toContain('"{env:NAME}"');
  });

  it('agentExtraEnv re-validates profiles built in code', () => {
    const p = parseRunnerProfile(gatewayProfile());
    const err = errorOf(() => agentExtraEnv({ ...p, env: { HOME: '/x' } }));
    expect(err.code).toBe('E_PROFILE_INVALID');
    expect(err.message).toContain('env.HOME');
    expect(agentEnvIssues({ ...p, opencodeConfig: { p: { apiKey: 'abc' } } })).toEqual([
      {
        path: ['opencodeConfig', 'p', 'apiKey'],
        message: expect.stringContaining('literal value under credential-like key "apiKey"'),
      },
    ]);
  });
});
