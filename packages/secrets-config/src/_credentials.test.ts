import { describe, expect, it } from 'vitest';
import { FAKE } from '../test/_fixtures.js';
import { assertNoLiteralCredentials, findLiteralCredentials } from './_credentials.js';
import { SecretsConfigError } from './_errors.js';

describe('findLiteralCredentials: value shapes', () => {
  it.each(Object.entries(FAKE))('flags a %s anywhere, under any key, without echoing it', (_name, value) => {
    const findings = findLiteralCredentials({ a: { harmless: [`prefix ${value} suffix`] } });
    expect(findings).toHaveLength(1);
    expect(findings[0]!.path).toBe('a.harmless.0');
    expect(JSON.stringify(findings)).not.toContain(value);
  });
});

describe('findLiteralCredentials: key names', () => {
  it.each([
    'password',
    'dbPassword',
    'token',
    'apiKey',
    'api_key',
    'clientSecret',
    'privateKey',
    'GITHUB_TOKEN',
  ])('flags a literal under %s', (key) => {
    expect(findLiteralCredentials({ [key]: 'hunter2' })).toEqual([
      { path: key, reason: `literal value under credential-like key "${key}"` },
    ]);
  });

  it('flags name/value env entries with credential-like names', () => {
    const pod = {
      env: [
        { name: 'OPENAI_API_KEY', value: 'abc123' },
        { name: 'LOG_LEVEL', value: 'debug' },
      ],
    };
    expect(findLiteralCredentials(pod)).toEqual([
      { path: 'env.0.value', reason: 'literal value for credential-like name "OPENAI_API_KEY"' },
    ]);
  });

  it('accepts references: names, refs, env names, Secret keys, booleans, empty strings', () => {
    const ok = {
      secretName: 'runner-credentials',
      tokenSecretRef: { name: 'x', key: 'token' },
      gitToken: { env: 'GIT_TOKEN', key: 'git-token', remoteRef: { key: 'path/to/token' } },
      automountServiceAccountToken: false,
      data: [{ secretKey: 'git-token', remoteRef: { key: 'git-token' } }],
      password: '',
      env: [{ name: 'GIT_TOKEN', valueFrom: { secretKeyRef: { name: 's', key: 'git-token' } } }],
      EXPECT_SECRET: 'true',
    };
    expect(findLiteralCredentials(ok)).toEqual([]);
  });

  it('handles cycles and primitives', () => {
    const a: Record<string, unknown> = { x: 1 };
    a.self = a;
    expect(findLiteralCredentials(a)).toEqual([]);
    expect(findLiteralCredentials('plain')).toEqual([]);
    expect(findLiteralCredentials(null)).toEqual([]);
  });
});

describe('assertNoLiteralCredentials', () => {
  it('throws E_LITERAL_CREDENTIAL listing every path', () => {
    try {
      assertNoLiteralCredentials({ token: 'x1', nested: { v: FAKE.ghp } }, 'values');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SecretsConfigError);
      const err = e as SecretsConfigError;
      expect(err.code).toBe('E_LITERAL_CREDENTIAL');
      expect(err.issues).toHaveLength(2);
      expect(err.message).toMatch(/^values contains 2 literal credential/);
      expect(err.message).not.toContain(FAKE.ghp);
    }
  });
});
