export {
  type AgentEnvIssue,
  type AgentEnvProfile,
  agentEnvIssues,
  agentExtraEnv,
  EXTRA_ENV_NAME_PATTERN,
  OPENCODE_CONFIG_ENV,
  RESERVED_AGENT_ENV_NAMES,
  RESERVED_AGENT_ENV_PREFIX,
  stableJsonStringify,
} from './_agentenv.js';
export {
  type BuildExternalSecretOptions,
  type BuildSecretStoreOptions,
  buildExternalSecret,
  buildSecretStore,
  EXTERNAL_SECRETS_API_VERSION,
  type SecretStoreRef,
} from './_builders.js';
export {
  assertNoLiteralCredentials,
  type EnvReference,
  envReferenceName,
  findEnvReferences,
  findLiteralCredentials,
} from './_credentials.js';
export { DURATION_PATTERN, parseDuration } from './_duration.js';
export { SecretsConfigError, type SecretsConfigErrorCode } from './_errors.js';
export { chartValuesJsonSchema, runnerProfileJsonSchema, serializeJsonSchema } from './_jsonschema.js';
export {
  activeSecretRefs,
  parseChartValues,
  parseRunnerProfile,
  profileFromConfigMap,
  secretEnvNames,
  taskTimeoutSeconds,
} from './_profile.js';
export {
  formatResultLine,
  parseResultLine,
  RESULT_PREFIX,
  RUNNER_OUTCOMES,
  type RunnerOutcome,
  type RunnerResult,
  type TokenUsage,
  toRunnerResult,
} from './_result.js';
export {
  ChartValuesSchema,
  ENV_NAME_PATTERN,
  GIT_AUTH_MODES,
  PROFILE_API_VERSION,
  PROFILE_CONFIGMAP_KEY,
  PROFILE_CONFIGMAP_LABEL,
  PROFILE_CONFIGMAP_NAME,
  ProfileValuesSchema,
  RunnerProfileSchema,
  SECRET_STORE_PROVIDERS,
  SecretRefSchema,
  WORKLOAD_IDENTITY_PROVIDERS,
} from './_schema.js';
export type {
  ChartValues,
  ChartValuesInput,
  CredentialFinding,
  GitAuthMode,
  KubernetesObject,
  ProfileValues,
  RemoteRef,
  RunnerProfile,
  RunnerProfileInput,
  SecretRef,
  SecretStoreProvider,
} from './types.js';
