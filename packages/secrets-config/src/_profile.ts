import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { agentEnvCredentialHint } from './_agentenv.js';
import { assertNoLiteralCredentials } from './_credentials.js';
import { parseDuration } from './_duration.js';
import { SecretsConfigError, type SecretsConfigErrorCode } from './_errors.js';
import { ChartValuesSchema, PROFILE_CONFIGMAP_KEY, RunnerProfileSchema } from './_schema.js';
import type { ChartValues, RunnerProfile, SecretRef } from './types.js';

function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`);
}

function loadYaml(input: unknown, what: string): unknown {
  if (typeof input !== 'string') return input;
  try {
    return parseYaml(input);
  } catch (cause) {
    throw new SecretsConfigError('E_PROFILE_YAML', `${what} is not valid YAML: ${(cause as Error).message}`, {
      cause,
    });
  }
}

function parseWith<S extends z.ZodType>(
  schema: S,
  input: unknown,
  what: string,
  code: SecretsConfigErrorCode,
  profilePrefix: string,
): z.output<S> {
  const obj = loadYaml(input, what);
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    throw new SecretsConfigError(
      code,
      `${what} must be a mapping; received ${obj === null ? 'null' : typeof obj}`,
    );
  }
  assertNoLiteralCredentials(obj, what, (path) => agentEnvCredentialHint(path, profilePrefix));
  const result = schema.safeParse(obj);
  if (!result.success) {
    const issues = formatIssues(result.error);
    throw new SecretsConfigError(code, `${what} is invalid: ${issues.join('; ')}`, {
      cause: result.error,
      issues,
    });
  }
  return result.data;
}

/**
 * Parse and validate a runner profile from an object or a YAML string. Applies defaults, rejects unknown
 * keys and anything that looks like a literal credential. Throws `SecretsConfigError`
 * (`E_PROFILE_YAML`, `E_PROFILE_INVALID`, `E_LITERAL_CREDENTIAL`).
 */
export function parseRunnerProfile(input: unknown): RunnerProfile {
  return parseWith(RunnerProfileSchema, input, 'runner profile', 'E_PROFILE_INVALID', '');
}

/** Parse and validate chart values (object or YAML string), same rules as `parseRunnerProfile`. */
export function parseChartValues(input: unknown): ChartValues {
  return parseWith(ChartValuesSchema, input, 'chart values', 'E_VALUES_INVALID', 'profile.');
}

/**
 * Read the profile from the `data` of the runner-profile ConfigMap. Layout: exactly one key,
 * `profile.yaml` (`PROFILE_CONFIGMAP_KEY`), holding the profile as one YAML document.
 */
export function profileFromConfigMap(data: Record<string, string> | undefined | null): RunnerProfile {
  const text = data?.[PROFILE_CONFIGMAP_KEY];
  if (typeof text !== 'string' || text.trim() === '') {
    throw new SecretsConfigError(
      'E_PROFILE_CONFIGMAP',
      `runner-profile ConfigMap has no "${PROFILE_CONFIGMAP_KEY}" key; found keys: ${JSON.stringify(Object.keys(data ?? {}))}`,
    );
  }
  return parseRunnerProfile(text);
}

/** The secret refs the agent pod gets for the profile's git auth mode, plus every model API key. */
export function activeSecretRefs(profile: RunnerProfile): SecretRef[] {
  const s = profile.secrets;
  const git: (SecretRef | undefined)[] =
    profile.gitAuth.mode === 'token'
      ? [s.gitToken]
      : profile.gitAuth.mode === 'ssh'
        ? [s.sshPrivateKey, s.sshKnownHosts]
        : [];
  return [...git.filter((r): r is SecretRef => r !== undefined), ...s.modelApiKeys];
}

/**
 * Every env var name whose value comes from the runner Secret — configured refs of all modes, so that a
 * log multiplexer redacts them even if a mode switch left one behind. Sorted, without duplicates.
 */
export function secretEnvNames(profile: RunnerProfile): string[] {
  const s = profile.secrets;
  const refs = [s.gitToken, s.sshPrivateKey, s.sshKnownHosts, ...s.modelApiKeys];
  return [...new Set(refs.filter((r): r is SecretRef => r !== undefined).map((r) => r.env))].sort();
}

/** `taskTimeout` in whole seconds (the Job's `activeDeadlineSeconds`). */
export function taskTimeoutSeconds(profile: RunnerProfile): number {
  return Math.ceil(parseDuration(profile.taskTimeout) / 1000);
}
