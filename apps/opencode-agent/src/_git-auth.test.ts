import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { UsageError } from './_errors.js';
import {
  authFailureHint,
  credentialHelper,
  exportGitAuth,
  gitConfigEnv,
  gitTokenSecrets,
  isAuthFailure,
  NO_GIT_AUTH,
  resolveGitAuth,
  withGitAuth,
  withoutGitToken,
} from './_git-auth.js';

const TOKEN = 'ghs_unitTestToken0123456789';

function usageError(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error('expected a UsageError');
}

/** `git credential fill` with `env`: what git would send to the server. */
async function fill(env: NodeJS.ProcessEnv): Promise<Record<string, string>> {
  const { stdout } = await execa('git', ['credential', 'fill'], {
    env: {
      PATH: process.env.PATH,
      HOME: mkdtempSync(join(tmpdir(), 'git-auth-home-')),
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_TERMINAL_PROMPT: '0',
      ...env,
    },
    extendEnv: false,
    input: 'protocol=https\nhost=git.example.com\npath=acme/app.git\n\n',
    timeout: 10_000,
  });
  return Object.fromEntries(
    stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

describe('resolveGitAuth', () => {
  it('does nothing outside token mode (ssh, unset)', () => {
    expect(resolveGitAuth({})).toBe(NO_GIT_AUTH);
    expect(resolveGitAuth({ ASDLC_GIT_AUTH_MODE: 'ssh', GIT_TOKEN: TOKEN })).toBe(NO_GIT_AUTH);
    expect(withGitAuth({ A: '1' }, NO_GIT_AUTH)).toEqual({ A: '1', GIT_TERMINAL_PROMPT: '0' });
    expect(gitTokenSecrets({ ASDLC_GIT_AUTH_MODE: 'ssh', GIT_TOKEN: TOKEN })).toEqual([]);
  });

  it('fails early, naming the env var and the fix, when the token is missing or empty', () => {
    const missing = usageError(() => resolveGitAuth({ ASDLC_GIT_AUTH_MODE: 'token' }));
    expect(missing.code).toBe('E_GIT_AUTH');
    expect(missing.exitCode).toBe(2);
    expect(missing.message).toContain('GIT_TOKEN is not set');
    expect(missing.message).toContain('secrets.gitToken');
    const empty = usageError(() =>
      resolveGitAuth({ ASDLC_GIT_AUTH_MODE: 'token', ASDLC_GIT_TOKEN_ENV: 'MY_PAT', MY_PAT: '  ' }),
    );
    expect(empty.message).toContain('MY_PAT is empty');
    const bad = usageError(() =>
      resolveGitAuth({ ASDLC_GIT_AUTH_MODE: 'token', ASDLC_GIT_TOKEN_ENV: 'X; rm -rf /', GIT_TOKEN: TOKEN }),
    );
    expect(bad.message).toContain('not a plain environment variable name');
    expect(() =>
      resolveGitAuth({ ASDLC_GIT_AUTH_MODE: 'token', GIT_TOKEN: TOKEN, ASDLC_GIT_USERNAME: 'a\nb' }),
    ).toThrow(/single line/);
  });

  it('gives git a credential helper that holds no secret; keeps existing GIT_CONFIG_* entries', () => {
    const auth = resolveGitAuth({
      ASDLC_GIT_AUTH_MODE: 'token',
      ASDLC_GIT_TOKEN_ENV: 'MY_PAT',
      MY_PAT: `${TOKEN}\n`,
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'core.autocrlf',
      GIT_CONFIG_VALUE_0: 'false',
    });
    expect(auth.mode).toBe('token');
    expect(auth.tokenEnv).toBe('MY_PAT');
    expect(auth.gitEnv).toEqual({
      GIT_CONFIG_COUNT: '3',
      GIT_CONFIG_KEY_0: 'core.autocrlf',
      GIT_CONFIG_VALUE_0: 'false',
      GIT_CONFIG_KEY_1: 'credential.helper',
      GIT_CONFIG_VALUE_1: '',
      GIT_CONFIG_KEY_2: 'credential.helper',
      GIT_CONFIG_VALUE_2: credentialHelper('MY_PAT'),
    });
    expect(JSON.stringify(auth.gitEnv)).not.toContain(TOKEN);
    expect(auth.secrets).toContain(TOKEN);
    expect(auth.secrets).toContain(`${TOKEN}\n`);
    expect(auth.secrets).toContain(Buffer.from(`x-access-token:${TOKEN}`).toString('base64'));
    expect(() => gitConfigEnv({ GIT_CONFIG_COUNT: 'x' }, [])).toThrow(/GIT_CONFIG_COUNT/);
    expect(() => credentialHelper('A-B')).toThrow();
  });

  it('the helper answers git with the token read from the environment, over any configured helper', async () => {
    const env = { ASDLC_GIT_AUTH_MODE: 'token', GIT_TOKEN: TOKEN };
    const auth = resolveGitAuth(env);
    const global = join(mkdtempSync(join(tmpdir(), 'git-auth-cfg-')), 'gitconfig');
    writeFileSync(global, '[credential]\n\thelper = "!f() { echo username=u; echo password=stale; }; f"\n');
    expect(await fill({ ...withGitAuth(env, auth), GIT_CONFIG_GLOBAL: global })).toMatchObject({
      username: 'x-access-token',
      password: TOKEN,
    });
    // Read when git asks, so a rotated token in the environment is used; the user name is configurable.
    expect(
      await fill({ ...withGitAuth(env, auth), GIT_TOKEN: 'rotated-token', ASDLC_GIT_USERNAME: 'bot' }),
    ).toMatchObject({ username: 'bot', password: 'rotated-token' });
  });

  it('the agent does not get the token; exportGitAuth puts the helper into process.env and undoes it', () => {
    const env = { ASDLC_GIT_AUTH_MODE: 'token', GIT_TOKEN: TOKEN, OTHER: '1' };
    const auth = resolveGitAuth(env);
    expect(withoutGitToken(env, auth)).toEqual({ ASDLC_GIT_AUTH_MODE: 'token', OTHER: '1' });
    expect(withoutGitToken(env, NO_GIT_AUTH)).toBe(env);
    const before = { ...process.env };
    const undo = exportGitAuth(auth, env);
    expect(process.env.GIT_TOKEN).toBe(TOKEN);
    expect(process.env.GIT_CONFIG_VALUE_1).toBe(credentialHelper('GIT_TOKEN'));
    undo();
    expect({ ...process.env }).toEqual(before);
    expect(exportGitAuth(NO_GIT_AUTH, env)).toBeTypeOf('function');
  });

  it('recognises authentication failures', () => {
    expect(isAuthFailure("fatal: Authentication failed for 'https://git.example.com/a.git/'")).toBe(true);
    expect(isAuthFailure('fatal: The requested URL returned error: 403')).toBe(true);
    expect(isAuthFailure('fatal: repository not found')).toBe(false);
    const hint = authFailureHint(resolveGitAuth({ ASDLC_GIT_AUTH_MODE: 'token', GIT_TOKEN: TOKEN }));
    expect(hint).toContain('authentication failed');
    expect(hint).toContain('$GIT_TOKEN');
    expect(hint).not.toContain(TOKEN);
    expect(authFailureHint(NO_GIT_AUTH)).toBe('');
  });
});
