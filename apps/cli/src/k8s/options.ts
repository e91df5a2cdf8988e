import type { Argv } from 'yargs';
import type { KubeArgs } from './kube.js';

/** `--env`, `--namespace`, `--kubeconfig`, `--context` (k8s commands; a run record's values are the default). */
export function withKubeOptions<T>(y: Argv<T>): Argv<T & KubeArgs> {
  return y
    .option('env', {
      choices: ['dev', 'stg', 'prod'] as const,
      describe: "k8s: environment, namespace agent-runner-<env> (default: the run record's, else dev)",
    })
    .option('namespace', { alias: 'n', type: 'string', describe: 'k8s: namespace (overrides --env)' })
    .option('kubeconfig', { type: 'string', describe: 'k8s: kubeconfig file' })
    .option('context', { type: 'string', describe: 'k8s: kubeconfig context' }) as unknown as Argv<
    T & KubeArgs
  >;
}

/** Whether any k8s target flag was given. */
export function kubeFlagsGiven(args: KubeArgs): boolean {
  return Boolean(args.env || args.namespace || args.kubeconfig || args.context);
}
