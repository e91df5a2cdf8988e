import {
  envForNamespace,
  KubeConfigError,
  KubeForbiddenError,
  loadKubeConfig,
  loadProfile,
  namespaceForEnv,
  PodLauncherError,
  ProfileNotFoundError,
} from '@agentic-sdlc/pod-launcher';
import type { RunnerProfile } from '@agentic-sdlc/secrets-config';
import { CliError, EXIT } from '../errors.js';
import type { RunKubeInfo } from '../run/run-record.js';

export type KubeConfig = ReturnType<typeof loadKubeConfig>;
export type RunnerEnvName = 'dev' | 'stg' | 'prod';
export const ENVS: readonly RunnerEnvName[] = ['dev', 'stg', 'prod'];

/** The options every k8s command takes. */
export interface KubeArgs {
  env?: RunnerEnvName;
  namespace?: string;
  kubeconfig?: string;
  context?: string;
}

export interface KubeTarget {
  kc: KubeConfig;
  namespace: string;
  /** dev|stg|prod, when known (from --env or the agent-runner-<env> namespace). */
  env: string | undefined;
  kubeconfig?: string;
  context?: string;
}

/**
 * The cluster and namespace of a k8s command: `--namespace` wins, else `agent-runner-<env>` (default env
 * `dev`); a run record's saved target fills in what the flags do not say.
 */
export function connect(args: KubeArgs, saved?: Partial<RunKubeInfo>): KubeTarget {
  const kubeconfig = args.kubeconfig ?? saved?.kubeconfig;
  const context = args.context ?? saved?.context;
  const namespace =
    args.namespace ?? (args.env ? namespaceForEnv(args.env) : (saved?.namespace ?? namespaceForEnv('dev')));
  const env = args.env ?? envForNamespace(namespace) ?? saved?.env;
  try {
    const kc = loadKubeConfig({
      ...(kubeconfig ? { kubeconfig } : {}),
      ...(context ? { context } : {}),
    });
    return {
      kc,
      namespace,
      env,
      ...(kubeconfig ? { kubeconfig } : {}),
      ...(context ? { context } : {}),
    };
  } catch (error) {
    throw toCliError(error);
  }
}

export async function profileOf(target: KubeTarget): Promise<RunnerProfile> {
  try {
    return await loadProfile({
      kc: target.kc,
      namespace: target.namespace,
      ...(target.env ? { env: target.env } : {}),
    });
  } catch (error) {
    throw toCliError(error);
  }
}

/**
 * pod-launcher's errors as CLI errors: their messages already say what failed and how to fix it
 * (a 403 names the verb, the resource and the Role; a missing profile names the helm command).
 */
export function toCliError(error: unknown): unknown {
  if (error instanceof CliError) return error;
  if (error instanceof ProfileNotFoundError || error instanceof KubeConfigError)
    return new CliError(error.message, error.code, EXIT.usage, { cause: error });
  if (error instanceof KubeForbiddenError)
    return new CliError(error.message, error.code, EXIT.failure, { cause: error });
  if (error instanceof PodLauncherError)
    return new CliError(error.message, error.code, EXIT.failure, { cause: error });
  return error;
}

/** Runs `fn`, turning pod-launcher errors into CLI errors. */
export async function kubeCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw toCliError(error);
  }
}
