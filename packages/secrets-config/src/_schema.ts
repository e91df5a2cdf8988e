import { z } from 'zod';
import { agentEnvIssues, EXTRA_ENV_NAME_PATTERN, OPENCODE_CONFIG_ENV } from './_agentenv.js';
import { DURATION_PATTERN, parseDuration } from './_duration.js';

/** `apiVersion` written into every rendered profile; bump on breaking layout changes. */
export const PROFILE_API_VERSION = 'agentic-sdlc.dev/v1alpha1';
/** Name of the ConfigMap the chart renders and the Kubernetes executor reads (`--env dev` → ns `agent-runner-dev`). */
export const PROFILE_CONFIGMAP_NAME = 'agentic-sdlc-runner-profile';
/** The one data key of that ConfigMap: the whole profile as a YAML document. */
export const PROFILE_CONFIGMAP_KEY = 'profile.yaml';
/** Label put on the profile ConfigMap so it can also be found by selector. */
export const PROFILE_CONFIGMAP_LABEL = 'agentic-sdlc.dev/runner-profile';

export const ENV_NAME_PATTERN = '^[A-Z_][A-Z0-9_]*$';
export const GIT_AUTH_MODES = ['ssh', 'token', 'workloadIdentity'] as const;
export const SECRET_STORE_PROVIDERS = ['gcp', 'aws', 'azure', 'vault'] as const;
export const WORKLOAD_IDENTITY_PROVIDERS = ['none', 'gke', 'eks', 'azure'] as const;

// Patterns are RE2-compatible (no look-around) because Helm compiles values.schema.json with Go regexps.
const DNS_LABEL = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$';
const DNS_SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
const SECRET_DATA_KEY = '^[-._a-zA-Z0-9]+$';
const QUANTITY = '^[+]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][-+]?[0-9]+|[KMGTPE]i|[mkMGTPE])?$';
const MODEL = '^[A-Za-z0-9][A-Za-z0-9._-]*/[^\\s]+$';
const BRANCH_PART = '(?:[A-Za-z0-9._/-]|\\{branch\\}|\\{task\\}|\\{env\\})';
const BRANCH_TEMPLATE = `^${BRANCH_PART}*\\{task\\}${BRANCH_PART}*$`;
const EMAIL = '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$';

const re = (pattern: string) => new RegExp(pattern);
const stringMap = () => z.record(z.string(), z.string());

export const RemoteRefSchema = z
  .strictObject({
    key: z.string().min(1).describe('Name/path of the secret in the external secret manager.'),
    property: z.string().min(1).optional().describe('Property inside a JSON secret, if any.'),
    version: z.string().min(1).optional().describe('Provider version of the secret (default: latest).'),
  })
  .describe('Where the External Secrets Operator reads the value (never the value itself).');

export const SecretRefSchema = z
  .strictObject({
    env: z.string().regex(re(ENV_NAME_PATTERN)).describe('Environment variable name in the agent container.'),
    key: z.string().regex(re(SECRET_DATA_KEY)).max(253).describe('Key in the target Secret (`secretName`).'),
    remoteRef: RemoteRefSchema.optional(),
  })
  .describe('A reference from an env var to a key of the runner Secret.');

export const SecretRefsSchema = z
  .strictObject({
    gitToken: SecretRefSchema.optional().describe('Git HTTPS token; required when gitAuth.mode is "token".'),
    sshPrivateKey: SecretRefSchema.optional().describe(
      'Git SSH private key; required when gitAuth.mode is "ssh".',
    ),
    sshKnownHosts: SecretRefSchema.optional().describe(
      'SSH known_hosts; required when gitAuth.mode is "ssh".',
    ),
    modelApiKeys: z.array(SecretRefSchema).default([]).describe('Model-provider API keys, one per env var.'),
  })
  .describe('Secret references (names only, never values).');

const QuantitySchema = z.union([z.string().regex(re(QUANTITY)), z.number().nonnegative()]);
export const ResourcesSchema = z
  .strictObject({
    requests: z.record(z.string(), QuantitySchema).optional(),
    limits: z.record(z.string(), QuantitySchema).optional(),
  })
  .describe('Container resources of the agent pod (Kubernetes ResourceRequirements).');

// A flat object, not a union: Helm deep-merges values maps, so a release switching `policy` to keep
// still carries the chart's default ttlSecondsAfterFinished (ignored when policy is keep).
export const CleanupSchema = z
  .strictObject({
    policy: z
      .enum(['delete', 'keep'])
      .default('delete')
      .describe('delete: Jobs get ttlSecondsAfterFinished; keep: never deleted.'),
    ttlSecondsAfterFinished: z
      .int()
      .min(0)
      .max(31_536_000)
      .default(3600)
      .describe('Seconds after which a finished Job is deleted (policy delete).'),
  })
  .describe('Cleanup of finished agent Jobs.');

export const GitAuthSchema = z
  .strictObject({
    mode: z.enum(GIT_AUTH_MODES).default('token').describe('How the agent authenticates to the git host.'),
  })
  .describe('Git authentication.');

export const GitAuthorSchema = z
  .strictObject({
    name: z.string().min(1).default('asdlc-agent'),
    email: z.string().regex(re(EMAIL)).default('asdlc-agent@users.noreply.github.com'),
  })
  .describe('Author of the commits the agent makes.');

const durationSchema = z
  .string()
  .regex(re(DURATION_PATTERN))
  .refine((s) => parseDuration(s) > 0, { message: 'duration must be greater than zero' });

/** Everything in the profile that the chart takes from values as-is. */
const profileValueShape = {
  resources: ResourcesSchema.default({ requests: { cpu: '500m', memory: '1Gi' }, limits: { memory: '4Gi' } }),
  taskTimeout: durationSchema.default('2h').describe('Per-task timeout (activeDeadlineSeconds of the Job).'),
  cleanup: CleanupSchema.default({ policy: 'delete', ttlSecondsAfterFinished: 3600 }),
  backoffLimit: z.int().min(0).max(10).default(1).describe('Job backoffLimit (retries of a failed pod).'),
  gitAuth: GitAuthSchema.default({ mode: 'token' }),
  model: z.string().regex(re(MODEL)).describe('Model as `provider/model`.'),
  branchTemplate: z
    .string()
    .regex(re(BRANCH_TEMPLATE))
    .max(200)
    .default('{branch}-{task}')
    .describe('Branch name template; placeholders {branch}, {task}, {env}; must contain {task}.'),
  parallelism: z.int().min(1).max(256).default(4).describe('Maximum number of agent Jobs running at once.'),
  gitAuthor: GitAuthorSchema.default({ name: 'asdlc-agent', email: 'asdlc-agent@users.noreply.github.com' }),
  secrets: SecretRefsSchema.default({ modelApiKeys: [] }),
  podLabels: stringMap().default({}).describe('Extra labels the pod-launcher puts on agent pods.'),
  podAnnotations: stringMap().default({}).describe('Extra annotations the pod-launcher puts on agent pods.'),
  opencodeConfig: z
    .record(z.string(), z.unknown())
    .optional()
    .describe(
      `OpenCode config (providers, models…) passed to the agent container as env ${OPENCODE_CONFIG_ENV} (JSON, keys sorted); e.g. an OpenAI-compatible gateway under provider.<name>. No literal credentials: write "{env:NAME}" and add NAME to secrets.modelApiKeys. A model key, if any, must equal model.`,
    ),
  env: z
    .record(
      z.string().regex(re(EXTRA_ENV_NAME_PATTERN)),
      z.string({ error: 'env var value must be a string (quote numbers and booleans: "1", "true")' }),
      {
        error: (iss) =>
          iss.code === 'invalid_key'
            ? 'not a valid env var name (letters, digits and _, not starting with a digit)'
            : undefined,
      },
    )
    .default({})
    .describe(
      `Extra NON-secret env vars of the agent container (e.g. OPENCODE_DISABLE_MODELS_FETCH: "1"), added after the fixed ones. Not HOME, TMPDIR, GIT_SSH_COMMAND, ${OPENCODE_CONFIG_ENV}, ASDLC_* or a secret ref's env; credentials belong in secrets.modelApiKeys.`,
    ),
};

type ProfileLike = {
  model: string;
  gitAuth: { mode: (typeof GIT_AUTH_MODES)[number] };
  secrets: z.infer<typeof SecretRefsSchema>;
  env?: Record<string, string> | undefined;
  opencodeConfig?: Record<string, unknown> | undefined;
};

function checkProfile(profile: ProfileLike, ctx: z.RefinementCtx): void {
  checkSecretRefs(profile, ctx);
  for (const issue of agentEnvIssues(profile)) {
    ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  }
}

function checkSecretRefs(profile: ProfileLike, ctx: z.RefinementCtx): void {
  const { mode } = profile.gitAuth;
  const s = profile.secrets;
  if (mode === 'token' && !s.gitToken) {
    ctx.addIssue({
      code: 'custom',
      path: ['secrets', 'gitToken'],
      message: 'required when gitAuth.mode is "token"',
    });
  }
  if (mode === 'ssh') {
    for (const k of ['sshPrivateKey', 'sshKnownHosts'] as const) {
      if (!s[k])
        ctx.addIssue({
          code: 'custom',
          path: ['secrets', k],
          message: 'required when gitAuth.mode is "ssh"',
        });
    }
  }
  const refs: [string, z.infer<typeof SecretRefSchema>][] = [];
  for (const k of ['gitToken', 'sshPrivateKey', 'sshKnownHosts'] as const) {
    const ref = s[k];
    if (ref) refs.push([k, ref]);
  }
  s.modelApiKeys.forEach((ref, i) => {
    refs.push([`modelApiKeys.${i}`, ref]);
  });
  const envs = new Map<string, string>();
  const keys = new Map<string, string>();
  for (const [where, ref] of refs) {
    const envSeen = envs.get(ref.env);
    if (envSeen) {
      ctx.addIssue({
        code: 'custom',
        path: ['secrets', ...where.split('.')],
        message: `env ${ref.env} already used by secrets.${envSeen}`,
      });
    }
    const keySeen = keys.get(ref.key);
    if (keySeen) {
      ctx.addIssue({
        code: 'custom',
        path: ['secrets', ...where.split('.')],
        message: `Secret key ${ref.key} already used by secrets.${keySeen}`,
      });
    }
    envs.set(ref.env, where);
    keys.set(ref.key, where);
  }
}

/** The runner profile: what the Kubernetes executor needs to build an agent Job. No secret values. */
export const RunnerProfileSchema = z
  .strictObject({
    apiVersion: z.literal(PROFILE_API_VERSION).default(PROFILE_API_VERSION),
    image: z.string().min(1).describe('Agent image reference (repository:tag or repository@digest).'),
    imagePullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).default('IfNotPresent'),
    serviceAccountName: z
      .string()
      .regex(re(DNS_SUBDOMAIN))
      .max(253)
      .describe('ServiceAccount of agent pods.'),
    secretName: z
      .string()
      .regex(re(DNS_SUBDOMAIN))
      .max(253)
      .describe('Secret (the ExternalSecret target) the secret refs point into.'),
    ...profileValueShape,
  })
  .superRefine(checkProfile)
  .describe('Runner profile (ConfigMap key profile.yaml).');

/** The `profile` block of the chart values: the profile minus what the chart derives itself. */
export const ProfileValuesSchema = z
  .strictObject(profileValueShape)
  .superRefine(checkProfile)
  .describe(
    'Runner profile rendered into the profile ConfigMap. image, imagePullPolicy, serviceAccountName and secretName are derived by the chart.',
  );

const SubjectSchema = z.strictObject({
  kind: z.enum(['User', 'Group', 'ServiceAccount']),
  name: z.string().min(1),
  namespace: z.string().regex(re(DNS_LABEL)).optional(),
  apiGroup: z.string().optional(),
});

const PolicyRuleSchema = z.strictObject({
  apiGroups: z.array(z.string()),
  resources: z.array(z.string().min(1)).min(1),
  verbs: z.array(z.string().min(1)).min(1),
  resourceNames: z.array(z.string().min(1)).optional(),
});

const PortSchema = z.strictObject({
  port: z.int().min(1).max(65535),
  protocol: z.enum(['TCP', 'UDP', 'SCTP']).default('TCP'),
});

const EgressTargetSchema = z.strictObject({
  cidrs: z
    .array(z.string().min(1))
    .default([])
    .describe('Destination CIDRs; empty means the public internet (0.0.0.0/0 minus private ranges).'),
  ports: z.array(PortSchema).min(1),
});

const emptyOr = (pattern: string) => z.string().regex(re(`^$|${pattern}`));

/** Values of `charts/agentic-sdlc-agent-runner` (source of its generated values.schema.json). */
export const ChartValuesSchema = z
  .strictObject({
    global: z.record(z.string(), z.unknown()).optional().describe('Helm global values (unused).'),
    nameOverride: z.string().max(63).default(''),
    fullnameOverride: z.string().max(63).default(''),
    namespaceOverride: emptyOr(DNS_LABEL).max(63).default(''),
    commonLabels: stringMap().default({}),
    namespace: z
      .strictObject({
        create: z.boolean().default(false),
        labels: stringMap().default({}),
        annotations: stringMap().default({}),
      })
      .default({ create: false, labels: {}, annotations: {} }),
    image: z.strictObject({
      repository: z.string().min(1),
      tag: z.string().default(''),
      digest: emptyOr('^sha256:[a-f0-9]{64}$').default(''),
      pullPolicy: z.enum(['Always', 'IfNotPresent', 'Never']).default('IfNotPresent'),
    }),
    serviceAccount: z
      .strictObject({
        create: z.boolean().default(true),
        name: emptyOr(DNS_SUBDOMAIN).default(''),
        annotations: stringMap().default({}),
        labels: stringMap().default({}),
        automountServiceAccountToken: z.boolean().default(false),
        workloadIdentity: z
          .strictObject({
            provider: z.enum(WORKLOAD_IDENTITY_PROVIDERS).default('none'),
            gcpServiceAccount: z.string().default(''),
            awsRoleArn: z.string().default(''),
            azureClientId: z.string().default(''),
            azureTenantId: z.string().default(''),
          })
          .default({
            provider: 'none',
            gcpServiceAccount: '',
            awsRoleArn: '',
            azureClientId: '',
            azureTenantId: '',
          }),
      })
      .prefault({}),
    rbac: z
      .strictObject({
        create: z.boolean().default(true),
        launcher: z.strictObject({ subjects: z.array(SubjectSchema).default([]) }).prefault({}),
        agent: z
          .strictObject({ create: z.boolean().default(false), rules: z.array(PolicyRuleSchema).default([]) })
          .prefault({}),
      })
      .prefault({}),
    profile: ProfileValuesSchema,
    profileConfigMap: z
      .strictObject({ name: z.string().regex(re(DNS_SUBDOMAIN)).default(PROFILE_CONFIGMAP_NAME) })
      .prefault({}),
    externalSecret: z
      .strictObject({
        enabled: z.boolean().default(true),
        apiVersion: z.string().min(1).default('external-secrets.io/v1'),
        refreshInterval: z.string().regex(re('^(?:[0-9]+(?:ms|s|m|h))+$')).default('1h'),
        secretStoreRef: z
          .strictObject({
            kind: z.enum(['SecretStore', 'ClusterSecretStore']).default('SecretStore'),
            name: z.string().default(''),
          })
          .prefault({}),
        target: z
          .strictObject({
            name: emptyOr(DNS_SUBDOMAIN).default(''),
            creationPolicy: z.enum(['Owner', 'Orphan', 'Merge', 'None']).default('Owner'),
            deletionPolicy: z.enum(['Retain', 'Delete', 'Merge']).default('Retain'),
          })
          .prefault({}),
      })
      .prefault({}),
    secretStore: z
      .strictObject({
        create: z.boolean().default(false),
        provider: z.enum(SECRET_STORE_PROVIDERS).default('gcp'),
        gcp: z
          .strictObject({
            projectID: z.string().default(''),
            clusterLocation: z.string().default(''),
            clusterName: z.string().default(''),
            clusterProjectID: z.string().default(''),
          })
          .prefault({}),
        aws: z
          .strictObject({
            region: z.string().default(''),
            service: z.enum(['SecretsManager', 'ParameterStore']).default('SecretsManager'),
            role: z.string().default(''),
          })
          .prefault({}),
        azure: z
          .strictObject({ vaultUrl: z.string().default(''), tenantId: z.string().default('') })
          .prefault({}),
        vault: z
          .strictObject({
            server: z.string().default(''),
            path: z.string().default('secret'),
            version: z.enum(['v1', 'v2']).default('v2'),
            namespace: z.string().default(''),
            mountPath: z.string().default('kubernetes'),
            role: z.string().default(''),
          })
          .prefault({}),
      })
      .prefault({}),
    networkPolicy: z
      .strictObject({
        enabled: z.boolean().default(false),
        dns: z
          .strictObject({
            namespaceSelector: stringMap().default({ 'kubernetes.io/metadata.name': 'kube-system' }),
            podSelector: stringMap().default({ 'k8s-app': 'kube-dns' }),
          })
          .prefault({}),
        gitHost: EgressTargetSchema.prefault({ ports: [{ port: 443 }, { port: 22 }] }),
        modelApi: EgressTargetSchema.prefault({ ports: [{ port: 443 }] }),
        extraEgress: z
          .array(z.record(z.string(), z.unknown()))
          .default([])
          .describe('Extra NetworkPolicy egress rules.'),
      })
      .prefault({}),
    tests: z
      .strictObject({
        enabled: z.boolean().default(true),
        image: z
          .string()
          .default('')
          .describe('Image of the helm test pod (needs node >= 20); default: the agent image.'),
        podAnnotations: stringMap().default({}).describe('Annotations of the helm test pod.'),
      })
      .prefault({}),
  })
  .describe('Values of the agentic-sdlc-agent-runner Helm chart.');
