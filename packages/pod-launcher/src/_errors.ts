/** Machine-readable codes of every error this package throws. */
export type PodLauncherErrorCode =
  | 'E_PROFILE_NOT_FOUND'
  | 'E_PROFILE_INVALID'
  | 'E_FORBIDDEN'
  | 'E_KUBE_API'
  | 'E_KUBECONFIG'
  | 'E_JOB_CONFLICT'
  | 'E_LOG_FOLLOW'
  | 'E_INVALID_INPUT'
  | 'E_TIMEOUT';

/** Base class: every error of `@agentic-sdlc/pod-launcher` has a `code`. */
export class PodLauncherError extends Error {
  override name = 'PodLauncherError';
  readonly code: PodLauncherErrorCode;
  constructor(code: PodLauncherErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
  }
}

/** The helm command that installs the runner release (and so the profile ConfigMap) of an environment. */
export function helmInstallCommand(env: string): string {
  return `helm upgrade --install agentic-sdlc-agent-runner-${env} releases/agentic-sdlc-agent-runner-${env} -n agent-runner-${env} --create-namespace`;
}

export class ProfileNotFoundError extends PodLauncherError {
  override name = 'ProfileNotFoundError';
  readonly namespace: string;
  readonly configMap: string;
  constructor(
    namespace: string,
    configMap: string,
    env: string | undefined,
    options: { cause?: unknown } = {},
  ) {
    const e = env ?? '<env>';
    super(
      'E_PROFILE_NOT_FOUND',
      `runner profile not found: ConfigMap "${configMap}" does not exist in namespace "${namespace}". ` +
        `Install the runner release of the environment first: ${helmInstallCommand(e)}` +
        (env === undefined
          ? ` (namespace "${namespace}" does not follow agent-runner-<env>; pass it with -n)`
          : ''),
      options,
    );
    this.namespace = namespace;
    this.configMap = configMap;
  }
}

export class ProfileInvalidError extends PodLauncherError {
  override name = 'ProfileInvalidError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('E_PROFILE_INVALID', message, options);
  }
}

export interface ForbiddenDetails {
  /** The identity the server named. */
  user?: string;
  /** The kubeconfig's user entry, when the server did not name the identity. */
  kubeconfigUser?: string;
  verb: string;
  resource: string;
  namespace: string;
}

/** What the launcher Role of the chart grants, per resource (for messages). */
const LAUNCHER_RULES: Record<string, string> = {
  'jobs.batch': 'create, get, list, watch, delete',
  pods: 'get, list, watch',
  'pods/log': 'get',
  configmaps: 'get (resourceNames: agentic-sdlc-runner-profile)',
};

export class KubeForbiddenError extends PodLauncherError {
  override name = 'KubeForbiddenError';
  readonly user?: string;
  readonly verb: string;
  readonly resource: string;
  readonly namespace: string;
  constructor(details: ForbiddenDetails, options: { cause?: unknown; serverMessage?: string } = {}) {
    const who = details.user
      ? `"${details.user}"`
      : `the current user${details.kubeconfigUser ? ` (kubeconfig user "${details.kubeconfigUser}")` : ''}`;
    const grants = LAUNCHER_RULES[details.resource];
    super(
      'E_FORBIDDEN',
      `forbidden: ${who} cannot ${details.verb} ${details.resource} in ${details.namespace} — ` +
        `the launcher Role needs "${details.verb}" on ${details.resource} in namespace ${details.namespace}` +
        (grants ? ` (the chart's launcher Role grants: ${grants})` : '') +
        '; check the RoleBinding of the agentic-sdlc-agent-runner release' +
        (options.serverMessage ? `. Server said: ${options.serverMessage}` : ''),
      options,
    );
    this.user = details.user;
    this.verb = details.verb;
    this.resource = details.resource;
    this.namespace = details.namespace;
  }
}

export class KubeApiError extends PodLauncherError {
  override name = 'KubeApiError';
  readonly status: number | undefined;
  constructor(message: string, status: number | undefined, options: { cause?: unknown } = {}) {
    super('E_KUBE_API', message, options);
    this.status = status;
  }
}

export class KubeConfigError extends PodLauncherError {
  override name = 'KubeConfigError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('E_KUBECONFIG', message, options);
  }
}

export class JobConflictError extends PodLauncherError {
  override name = 'JobConflictError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('E_JOB_CONFLICT', message, options);
  }
}

export class LogFollowError extends PodLauncherError {
  override name = 'LogFollowError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('E_LOG_FOLLOW', message, options);
  }
}

export class InvalidInputError extends PodLauncherError {
  override name = 'InvalidInputError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('E_INVALID_INPUT', message, options);
  }
}

export class WaitTimeoutError extends PodLauncherError {
  override name = 'WaitTimeoutError';
  constructor(message: string) {
    super('E_TIMEOUT', message);
  }
}

// ---------------------------------------------------------------------------------------------------

interface StatusBody {
  kind?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; group?: string; kind?: string };
}

/** HTTP status of an error from client-node (ApiException `.code`, Watch `.statusCode`). */
export function httpStatusOf(err: unknown): number | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const e = err as { code?: unknown; statusCode?: unknown };
  if (typeof e.code === 'number') return e.code;
  if (typeof e.statusCode === 'number') return e.statusCode;
  return undefined;
}

/** The `Status` body of an ApiException (client-node 1.x keeps it as a JSON string). */
export function statusBodyOf(err: unknown): StatusBody | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const body = (err as { body?: unknown }).body;
  if (body && typeof body === 'object') return body as StatusBody;
  if (typeof body === 'string') {
    try {
      const parsed = JSON.parse(body) as unknown;
      return parsed && typeof parsed === 'object' ? (parsed as StatusBody) : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

const FORBIDDEN_RE =
  /User "([^"]+)" cannot (\w+) resource "([^"]+)"(?: in API group "([^"]*)")?(?: in the namespace "([^"]+)")?/;

/** Parse a Forbidden Status message: user, verb, resource (with group), namespace. */
export function parseForbiddenMessage(message: string): Partial<ForbiddenDetails> {
  const m = FORBIDDEN_RE.exec(message);
  if (!m) return {};
  const [, user, verb, resource, group, namespace] = m;
  return {
    ...(user ? { user } : {}),
    ...(verb ? { verb } : {}),
    ...(resource ? { resource: group ? `${resource}.${group}` : resource } : {}),
    ...(namespace ? { namespace } : {}),
  };
}

export interface KubeCallContext {
  verb: string;
  /** e.g. `jobs.batch`, `pods`, `pods/log`, `configmaps`. */
  resource: string;
  namespace: string;
  name?: string;
  /** Fallback user name (the kubeconfig's user) when the server did not say. */
  user?: string;
}

/** Map any client-node error into this package's errors: 403 → KubeForbiddenError, else KubeApiError. */
export function toKubeError(err: unknown, ctx: KubeCallContext): Error {
  if (err instanceof PodLauncherError) return err;
  const status = httpStatusOf(err);
  const body = statusBodyOf(err);
  if (status === 403) {
    const parsed = body?.message ? parseForbiddenMessage(body.message) : {};
    return new KubeForbiddenError(
      {
        ...(parsed.user ? { user: parsed.user } : ctx.user ? { kubeconfigUser: ctx.user } : {}),
        verb: parsed.verb ?? ctx.verb,
        resource: parsed.resource ?? ctx.resource,
        namespace: parsed.namespace ?? ctx.namespace,
      },
      { cause: err, ...(body?.message ? { serverMessage: body.message } : {}) },
    );
  }
  const what = `${ctx.verb} ${ctx.resource}${ctx.name ? ` "${ctx.name}"` : ''} in namespace ${ctx.namespace}`;
  const detail = body?.message ?? (err instanceof Error ? err.message.split('\n')[0] : String(err));
  return new KubeApiError(
    `cannot ${what}: ${status !== undefined ? `HTTP ${status}: ` : ''}${detail}`,
    status,
    { cause: err },
  );
}

/** True for errors worth retrying: network errors, 429, 5xx (not 500 from Log.log's own wrapping of 4xx). */
export function isTransient(err: unknown): boolean {
  const status = httpStatusOf(err);
  if (status === undefined) return true;
  return status === 429 || status >= 500;
}
