import { describe, expect, it } from 'vitest';
import * as api from './index.js';

describe('@agentic-sdlc/secrets-config exports', () => {
  it('pins the runtime export names', () => {
    expect(Object.keys(api).sort()).toEqual(
      [
        'ChartValuesSchema',
        'ENV_NAME_PATTERN',
        'EXTERNAL_SECRETS_API_VERSION',
        'GIT_AUTH_MODES',
        'DURATION_PATTERN',
        'PROFILE_API_VERSION',
        'RESULT_PREFIX',
        'RUNNER_OUTCOMES',
        'PROFILE_CONFIGMAP_KEY',
        'PROFILE_CONFIGMAP_LABEL',
        'PROFILE_CONFIGMAP_NAME',
        'ProfileValuesSchema',
        'RunnerProfileSchema',
        'SECRET_STORE_PROVIDERS',
        'SecretRefSchema',
        'SecretsConfigError',
        'WORKLOAD_IDENTITY_PROVIDERS',
        'EXTRA_ENV_NAME_PATTERN',
        'OPENCODE_CONFIG_ENV',
        'RESERVED_AGENT_ENV_NAMES',
        'RESERVED_AGENT_ENV_PREFIX',
        'activeSecretRefs',
        'agentEnvIssues',
        'agentExtraEnv',
        'envReferenceName',
        'findEnvReferences',
        'stableJsonStringify',
        'assertNoLiteralCredentials',
        'buildExternalSecret',
        'buildSecretStore',
        'chartValuesJsonSchema',
        'findLiteralCredentials',
        'formatResultLine',
        'parseChartValues',
        'parseDuration',
        'parseResultLine',
        'parseRunnerProfile',
        'profileFromConfigMap',
        'runnerProfileJsonSchema',
        'secretEnvNames',
        'serializeJsonSchema',
        'taskTimeoutSeconds',
        'toRunnerResult',
      ].sort(),
    );
  });

  it('pins the ConfigMap layout the Kubernetes executor reads', () => {
    expect(api.PROFILE_CONFIGMAP_NAME).toBe('agentic-sdlc-runner-profile');
    expect(api.PROFILE_CONFIGMAP_KEY).toBe('profile.yaml');
    expect(api.GIT_AUTH_MODES).toEqual(['ssh', 'token', 'workloadIdentity']);
    expect(api.SECRET_STORE_PROVIDERS).toEqual(['gcp', 'aws', 'azure', 'vault']);
  });
});
