import {
  PROFILE_CONFIGMAP_NAME,
  profileFromConfigMap,
  type RunnerProfile,
} from '@agentic-sdlc/secrets-config';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import {
  httpStatusOf,
  KubeConfigError,
  ProfileInvalidError,
  ProfileNotFoundError,
  toKubeError,
} from './_errors.js';
import { envForNamespace } from './_names.js';
import type { LoadKubeConfigOptions, LoadProfileOptions } from './types.js';

/** Load a kubeconfig (file or default chain) and select a context. Throws `KubeConfigError`. */
export function loadKubeConfig(options: LoadKubeConfigOptions = {}): KubeConfig {
  const kc = new KubeConfig();
  try {
    if (options.kubeconfig) kc.loadFromFile(options.kubeconfig);
    else kc.loadFromDefault();
  } catch (cause) {
    throw new KubeConfigError(
      `cannot load kubeconfig ${options.kubeconfig ? `"${options.kubeconfig}"` : '(KUBECONFIG / ~/.kube/config)'}: ${(cause as Error).message}`,
      { cause },
    );
  }
  if (options.context) {
    const names = kc.getContexts().map((c) => c.name);
    if (!names.includes(options.context)) {
      throw new KubeConfigError(
        `kubeconfig context "${options.context}" not found; available contexts: ${names.length ? names.join(', ') : '(none)'}`,
      );
    }
    kc.setCurrentContext(options.context);
  }
  if (!kc.getCurrentCluster()) {
    throw new KubeConfigError(
      `kubeconfig ${options.kubeconfig ? `"${options.kubeconfig}"` : ''} has no current cluster; pass --context or set current-context`,
    );
  }
  return kc;
}

/** The kubeconfig's user name, for messages (the server's identity may differ). */
export function kubeUserName(kc: KubeConfig): string | undefined {
  return kc.getCurrentUser()?.name;
}

/**
 * Read the runner profile from the environment's ConfigMap. Missing → `ProfileNotFoundError` naming the
 * namespace and the `helm upgrade --install` command; invalid → `ProfileInvalidError`; 403 → `KubeForbiddenError`.
 */
export async function loadProfile(options: LoadProfileOptions): Promise<RunnerProfile> {
  const { kc, namespace } = options;
  const name = options.name ?? PROFILE_CONFIGMAP_NAME;
  const core = kc.makeApiClient(CoreV1Api);
  let data: Record<string, string> | undefined;
  try {
    const cm = await core.readNamespacedConfigMap({ name, namespace });
    data = cm.data;
  } catch (err) {
    if (httpStatusOf(err) === 404) {
      throw new ProfileNotFoundError(namespace, name, options.env ?? envForNamespace(namespace), {
        cause: err,
      });
    }
    throw toKubeError(err, { verb: 'get', resource: 'configmaps', namespace, name, user: kubeUserName(kc) });
  }
  try {
    return profileFromConfigMap(data);
  } catch (cause) {
    throw new ProfileInvalidError(
      `runner profile in ConfigMap "${name}" (namespace ${namespace}) is invalid: ${(cause as Error).message}`,
      { cause },
    );
  }
}
