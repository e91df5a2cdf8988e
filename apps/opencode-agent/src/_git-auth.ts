import { secretValuesFromEnv } from '@agentic-sdlc/log-multiplexer';
import { UsageError } from './_errors.js';

/** `token` (HTTPS token from an env var), `ssh` (GIT_SSH_COMMAND from the pod), anything else: git's own. */
export const AUTH_MODE_ENV = 'ASDLC_GIT_AUTH_MODE';
/** Names the env var holding the token (the pod sets it from the profile's `secrets.gitToken.env`). */
export const TOKEN_ENV_ENV = 'ASDLC_GIT_TOKEN_ENV';
export const DEFAULT_TOKEN_ENV = 'GIT_TOKEN';
/** Optional HTTPS user name sent with the token (GitHub and most hosts accept any with a token). */
export const USERNAME_ENV = 'ASDLC_GIT_USERNAME';
export const DEFAULT_USERNAME = 'x-access-token';

export interface GitAuth {
  mode: 'token' | 'other';
  /** Token mode: the name of the env var holding the token. */
  tokenEnv: string | null;
  /**
   * Environment for every git process this runner starts: in token mode the full `GIT_CONFIG_COUNT` /
   * `GIT_CONFIG_KEY_n` / `GIT_CONFIG_VALUE_n` set (existing entries kept, the credential helper appended).
   * Holds no secret: the helper reads the token from the environment when git asks for it.
   */
  gitEnv: Record<string, string>;
  /** Values to redact from everything the runner prints or writes. */
  secrets: string[];
}

/** No git auth of the runner's own: git's configuration and environment decide (ssh mode, local runs). */
export const NO_GIT_AUTH: GitAuth = Object.freeze({ mode: 'other', tokenEnv: null, gitEnv: {}, secrets: [] });

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The token's redaction forms in token mode (the value, its trimmed form, its lines and the Basic
 * `user:token` base64), whatever else is wrong with the configuration; [] otherwise. Never throws.
 */
export function gitTokenSecrets(env: NodeJS.ProcessEnv): string[] {
  if ((env[AUTH_MODE_ENV] ?? '').trim() !== 'token') return [];
  const tokenEnv = (env[TOKEN_ENV_ENV] ?? '').trim() || DEFAULT_TOKEN_ENV;
  const token = env[tokenEnv] ?? '';
  if (!token.trim()) return [];
  const user = env[USERNAME_ENV] || DEFAULT_USERNAME;
  const out = secretValuesFromEnv([tokenEnv], env);
  out.push(token.trim(), Buffer.from(`${user}:${token.trim()}`).toString('base64'));
  return [...new Set(out.filter(Boolean))];
}

/**
 * The credential helper (a `!` shell snippet): answers `get` with the user name and the token read from the
 * environment at the moment git asks; ignores `store`/`erase`. The token never is in argv, a URL or a file.
 */
export function credentialHelper(tokenEnv: string): string {
  if (!IDENTIFIER.test(tokenEnv)) throw new Error(`not a plain env var name: ${JSON.stringify(tokenEnv)}`);
  return (
    `!f() { test "$1" = get || exit 0; echo "username=\${${USERNAME_ENV}:-${DEFAULT_USERNAME}}"; ` +
    `printf 'password=%s\\n' "$${tokenEnv}"; }; f`
  );
}

/** `env`'s `GIT_CONFIG_*` entries plus `entries`, as a complete `GIT_CONFIG_COUNT` set. */
export function gitConfigEnv(env: NodeJS.ProcessEnv, entries: [string, string][]): Record<string, string> {
  const raw = env.GIT_CONFIG_COUNT;
  const count = raw === undefined || raw === '' ? 0 : Number(raw);
  if (!Number.isInteger(count) || count < 0) {
    throw new UsageError('E_GIT_AUTH', `GIT_CONFIG_COUNT=${raw} is not a non-negative integer`);
  }
  const out: Record<string, string> = {};
  for (let i = 0; i < count; i++) {
    const key = env[`GIT_CONFIG_KEY_${i}`];
    if (key === undefined)
      throw new UsageError('E_GIT_AUTH', `GIT_CONFIG_COUNT=${count} but GIT_CONFIG_KEY_${i} is unset`);
    out[`GIT_CONFIG_KEY_${i}`] = key;
    out[`GIT_CONFIG_VALUE_${i}`] = env[`GIT_CONFIG_VALUE_${i}`] ?? '';
  }
  entries.forEach(([key, value], j) => {
    out[`GIT_CONFIG_KEY_${count + j}`] = key;
    out[`GIT_CONFIG_VALUE_${count + j}`] = value;
  });
  out.GIT_CONFIG_COUNT = String(count + entries.length);
  return out;
}

/**
 * Git authentication from the environment the pod-launcher sets up. In token mode the token env var
 * (`ASDLC_GIT_TOKEN_ENV`, default `GIT_TOKEN`) must be set and non-empty, else a `UsageError` (`E_GIT_AUTH`).
 */
export function resolveGitAuth(env: NodeJS.ProcessEnv): GitAuth {
  const mode = (env[AUTH_MODE_ENV] ?? '').trim();
  if (mode !== 'token') return NO_GIT_AUTH;
  const tokenEnv = (env[TOKEN_ENV_ENV] ?? '').trim() || DEFAULT_TOKEN_ENV;
  if (!IDENTIFIER.test(tokenEnv)) {
    throw new UsageError(
      'E_GIT_AUTH',
      `${TOKEN_ENV_ENV}=${JSON.stringify(tokenEnv)} is not a plain environment variable name ([A-Za-z_][A-Za-z0-9_]*); set it to the env var that holds the git token (the profile's secrets.gitToken.env)`,
    );
  }
  const token = env[tokenEnv] ?? '';
  if (token.trim() === '') {
    throw new UsageError(
      'E_GIT_AUTH',
      `${AUTH_MODE_ENV}=token but the git token env var ${tokenEnv} is ${env[tokenEnv] === undefined ? 'not set' : 'empty'}. ` +
        `Fix: put the token under the Secret key the profile's secrets.gitToken names (env ${tokenEnv}), ` +
        `or set ${TOKEN_ENV_ENV} to the env var that holds it`,
    );
  }
  const username = env[USERNAME_ENV];
  if (username !== undefined && /[\r\n\0]/.test(username)) {
    throw new UsageError('E_GIT_AUTH', `${USERNAME_ENV} must be a single line`);
  }
  return {
    mode: 'token',
    tokenEnv,
    // An empty `credential.helper` first drops any helper from the system/global config: this token wins.
    gitEnv: gitConfigEnv(env, [
      ['credential.helper', ''],
      ['credential.helper', credentialHelper(tokenEnv)],
    ]),
    secrets: gitTokenSecrets(env),
  };
}

/** `env` for a git process: with the auth's `GIT_CONFIG_*` entries and never a terminal prompt. */
export function withGitAuth(env: NodeJS.ProcessEnv, auth: GitAuth): NodeJS.ProcessEnv {
  return { ...env, ...auth.gitEnv, GIT_TERMINAL_PROMPT: '0' };
}

/** `env` for the agent (OpenCode or --agent-cmd): the token env var removed; it never needs it. */
export function withoutGitToken(env: NodeJS.ProcessEnv, auth: GitAuth): NodeJS.ProcessEnv {
  if (!auth.tokenEnv) return env;
  const out = { ...env };
  delete out[auth.tokenEnv];
  return out;
}

/**
 * Put the auth into `process.env` (git run by @agentic-sdlc/worktree-manager — push, ls-remote — inherits
 * `process.env`), with the token var and user name from `env` when `env` is not `process.env`. Returns the undo.
 */
export function exportGitAuth(auth: GitAuth, env: NodeJS.ProcessEnv): () => void {
  if (auth.mode !== 'token' || !auth.tokenEnv) return () => {};
  const set: Record<string, string | undefined> = { ...auth.gitEnv, GIT_TERMINAL_PROMPT: '0' };
  set[auth.tokenEnv] = env[auth.tokenEnv];
  if (env[USERNAME_ENV] !== undefined) set[USERNAME_ENV] = env[USERNAME_ENV];
  // GIT_CONFIG_* entries above the new count would be ignored by git; nothing else to clear.
  const saved = new Map<string, string | undefined>();
  for (const [key, value] of Object.entries(set)) {
    saved.set(key, process.env[key]);
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  return () => {
    for (const [key, value] of saved) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
}

const AUTH_FAILURE =
  /Authentication failed|could not read (?:Username|Password)|HTTP (?:401|403)|The requested URL returned error: 40[13]|terminal prompts disabled|Invalid username or password/i;

/** True when git's output says the remote refused the credentials. */
export function isAuthFailure(text: string): boolean {
  return AUTH_FAILURE.test(text);
}

/** What to check after an authentication failure in token mode. */
export function authFailureHint(auth: GitAuth): string {
  if (auth.mode !== 'token') return '';
  return ` (authentication failed: the git host rejected the token from $${auth.tokenEnv}; check the Secret value behind the profile's secrets.gitToken and that the token may read and push this repository)`;
}
