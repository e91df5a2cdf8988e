import { describe, expect, it } from 'vitest';
import { FAKE } from '../test/_fixtures.js';
import {
  assertNoLiteralCredentials,
  envReferenceName,
  findEnvReferences,
  findLiteralCredentials,
} from './_credentials.js';
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

describe('env references', () => {
  it('{env:NAME} and "Bearer {env:NAME}" are references, not literals', () => {
    expect(envReferenceName('{env:GATEWAY_API_KEY}')).toBe('GATEWAY_API_KEY');
    expect(envReferenceName('Bearer {env:T}')).toBe('T');
    expect(envReferenceName('x{env:T}')).toBeUndefined();
    expect(envReferenceName('{env:T} extra')).toBeUndefined();
    expect(envReferenceName(1)).toBeUndefined();
    expect(
      findLiteralCredentials({
        apiKey: '{env:K}',
        headers: { Authorization: 'Bearer {env:K}' },
        env: [{ name: 'API_TOKEN', value: '{env:K}' }],
      }),
    ).toEqual([]);
    expect(findLiteralCredentials({ headers: { Authorization: 'Bearer abc' } })).toHaveLength(1);
  });

  it('flags URLs with an embedded password unless it is a reference', () => {
    expect(findLiteralCredentials({ url: 'https://user:pw@example.com/x' })).toEqual([
      { path: 'url', reason: 'value looks like a URL with an embedded password' },
    ]);
    expect(findLiteralCredentials({ url: 'https://user:{env:PW}@example.com/x' })).toEqual([]);
    expect(findLiteralCredentials({ url: 'ssh://git@example.com:22/x.git' })).toEqual([]);
  });

  it('findEnvReferences reports paths and whether the reference stands for a credential', () => {
    expect(
      findEnvReferences({ p: { apiKey: '{env:K}', baseURL: '{env:URL}', list: ['{env:A}'] } }, 'c'),
    ).toEqual([
      { path: 'c.p.apiKey', name: 'K', credential: true },
      { path: 'c.p.baseURL', name: 'URL', credential: false },
      { path: 'c.p.list.0', name: 'A', credential: false },
    ]);
  });

  it('assertNoLiteralCredentials adds a fix hint by path', () => {
    try {
      assertNoLiteralCredentials({ a: { token: 'x1' } }, 'values', (p) =>
        p === 'a.token' ? 'do X' : undefined,
      );
      expect.unreachable();
    } catch (e) {
      expect((e as SecretsConfigError).issues).toEqual([
        'a.token: literal value under credential-like key "token" (fix: do X)',
      ]);
    }
  });
});
