import { findEnvReferences, findLiteralCredentials } from './_credentials.js';
import { SecretsConfigError } from './_errors.js';

/** Env var through which OpenCode reads inline config (the profile's `opencodeConfig`). */
export const OPENCODE_CONFIG_ENV = 'OPENCODE_CONFIG_CONTENT';
/** Names of plain env vars that may appear in the profile's `env` (POSIX shell names). */
export const EXTRA_ENV_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]*$';
/** Env vars the Job builder sets itself; the profile's `env` must not set them. */
export const RESERVED_AGENT_ENV_NAMES: readonly string[] = [
  'HOME',
  'TMPDIR',
  'GIT_SSH_COMMAND',
  OPENCODE_CONFIG_ENV,
];
/** Prefix of the agent runner's own env vars (ASDLC_RUN_ID, ASDLC_MODEL, …), reserved as well. */
export const RESERVED_AGENT_ENV_PREFIX = 'ASDLC_';

/** A problem with the profile's `env` / `opencodeConfig`; `path` is relative to the profile. */
export interface AgentEnvIssue {
  path: (string | number)[];
  message: string;
}

type Ref = { env: string } | undefined;
/** The parts of a profile (or of the chart's `profile` values) the agent env depends on. */
export interface AgentEnvProfile {
  model: string;
  env?: Record<string, string> | undefined;
  opencodeConfig?: Record<string, unknown> | undefined;
  secrets: { gitToken?: Ref; sshPrivateKey?: Ref; sshKnownHosts?: Ref; modelApiKeys: { env: string }[] };
}

const OPENCODE_CONFIG_FIX =
  'write the value as "{env:NAME}" and add {env: NAME, key: <Secret key>} to secrets.modelApiKeys';
const ENV_FIX =
  'env holds non-secret values only (it is stored in a ConfigMap); add a secrets.modelApiKeys entry instead';

/**
 * The fix to print with a literal-credential finding at `path` (of a profile, or of chart values when
 * `prefix` is "profile."), for the fields whose values reach the agent as plain env.
 */
export function agentEnvCredentialHint(path: string, prefix = ''): string | undefined {
  if (path.startsWith(`${prefix}opencodeConfig.`)) return OPENCODE_CONFIG_FIX;
  if (path.startsWith(`${prefix}env.`)) return ENV_FIX;
  return undefined;
}

function secretEnvs(secrets: AgentEnvProfile['secrets']): Map<string, string> {
  const out = new Map<string, string>();
  for (const k of ['gitToken', 'sshPrivateKey', 'sshKnownHosts'] as const) {
    const ref = secrets[k];
    if (ref) out.set(ref.env, `secrets.${k}`);
  }
  secrets.modelApiKeys.forEach((ref, i) => {
    out.set(ref.env, `secrets.modelApiKeys.${i}`);
  });
  return out;
}

const splitPath = (path: string): (string | number)[] =>
  path.split('.').map((p) => (/^(0|[1-9][0-9]*)$/.test(p) ? Number(p) : p));

/**
 * Everything wrong with the profile's `env` and `opencodeConfig`: env names the Job builder sets itself
 * (or that a secret ref uses), literal credentials, a `{env:NAME}` credential that is not a secret env,
 * and an `opencodeConfig.model` other than `model`. Empty when the profile is fine.
 */
export function agentEnvIssues(profile: AgentEnvProfile): AgentEnvIssue[] {
  const issues: AgentEnvIssue[] = [];
  const env = profile.env ?? {};
  const secrets = secretEnvs(profile.secrets);
  const nameRe = new RegExp(EXTRA_ENV_NAME_PATTERN);
  for (const name of Object.keys(env)) {
    if (!nameRe.test(name)) {
      issues.push({
        path: ['env', name],
        message: `"${name}" is not a valid env var name (letters, digits and _, not starting with a digit)`,
      });
    } else if (RESERVED_AGENT_ENV_NAMES.includes(name) || name.startsWith(RESERVED_AGENT_ENV_PREFIX)) {
      issues.push({
        path: ['env', name],
        message: `${name} is set by the agent Job itself (reserved: ${RESERVED_AGENT_ENV_NAMES.join(', ')}, ${RESERVED_AGENT_ENV_PREFIX}*)${name === OPENCODE_CONFIG_ENV ? '; use opencodeConfig instead' : '; remove it from env'}`,
      });
    } else if (secrets.has(name)) {
      issues.push({
        path: ['env', name],
        message: `${name} is already the env var of ${secrets.get(name)} (a Secret ref); remove it from env`,
      });
    }
  }
  for (const f of findLiteralCredentials(env, 'env')) {
    issues.push({ path: splitPath(f.path), message: `${f.reason} (fix: ${ENV_FIX})` });
  }

  const config = profile.opencodeConfig;
  if (config !== undefined) {
    for (const f of findLiteralCredentials(config, 'opencodeConfig')) {
      issues.push({ path: splitPath(f.path), message: `${f.reason} (fix: ${OPENCODE_CONFIG_FIX})` });
    }
    for (const ref of findEnvReferences(config, 'opencodeConfig')) {
      if (!ref.credential || secrets.has(ref.name)) continue;
      issues.push({
        path: splitPath(ref.path),
        message:
          ref.name in env
            ? `{env:${ref.name}} is a credential but ${ref.name} is a plain env var (env.${ref.name}, stored in the ConfigMap); remove it from env and add {env: ${ref.name}, key: <Secret key>} to secrets.modelApiKeys`
            : `{env:${ref.name}} is a credential but ${ref.name} is not a secret env of this profile; add {env: ${ref.name}, key: <Secret key>} to secrets.modelApiKeys`,
      });
    }
    if ('model' in config && config.model !== profile.model) {
      issues.push({
        path: ['opencodeConfig', 'model'],
        message: `${JSON.stringify(config.model)} disagrees with model "${profile.model}" (the agent always runs model); remove opencodeConfig.model or set it to "${profile.model}"`,
      });
    }
  }
  return issues;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as Record<string, unknown>)[key]);
  return out;
}

/** `JSON.stringify` with object keys sorted at every level: the same config always gives the same text. */
export function stableJsonStringify(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

/**
 * The plain env vars the profile adds to the agent container: `OPENCODE_CONFIG_CONTENT` (the
 * `opencodeConfig` as stable JSON, when it has any key) followed by `env` sorted by name. Validates
 * again (profiles built in code skip the schema); throws `SecretsConfigError` `E_PROFILE_INVALID`.
 */
export function agentExtraEnv(profile: AgentEnvProfile): { name: string; value: string }[] {
  const issues = agentEnvIssues(profile).map((i) => `${i.path.join('.')}: ${i.message}`);
  if (issues.length > 0) {
    throw new SecretsConfigError('E_PROFILE_INVALID', `runner profile is invalid: ${issues.join('; ')}`, {
      issues,
    });
  }
  const out: { name: string; value: string }[] = [];
  const config = profile.opencodeConfig;
  if (config !== undefined && Object.keys(config).length > 0) {
    out.push({ name: OPENCODE_CONFIG_ENV, value: stableJsonStringify(config) });
  }
  const env = profile.env ?? {};
  for (const name of Object.keys(env).sort()) out.push({ name, value: String(env[name]) });
  return out;
}
