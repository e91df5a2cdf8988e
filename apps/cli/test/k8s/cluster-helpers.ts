// Helpers for the CLI's cluster tests (tools/kube-local's loopback control plane; kwok plays the kubelet,
// the test plays the agent: it writes each pod's log and decides its fate through pod annotations).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kubeconfigPath, waitFor, waitForJobPod } from '@agentic-sdlc/kube-local/testing';
import { taskJobName } from '@agentic-sdlc/pod-launcher';
import * as k8s from '@kubernetes/client-node';
import { CLI_BIN, GIT_ENV, tempDir } from '../helpers.js';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
export const RELEASE = 'agentic-sdlc-agent-runner-dev';
export const LAUNCHER_ROLE = `${RELEASE}-launcher`;

/** The pinned helm binary (tools/helm/install.sh builds it once). */
function helmBin(): string {
  return execFileSync('bash', [join(REPO, 'tools/helm/install.sh')], { encoding: 'utf8' }).trim();
}

/**
 * What the dev release installs, rendered by helm from the real chart into `namespace`: the runner profile
 * ConfigMap, the agent ServiceAccount and the launcher Role (ExternalSecret/SecretStore need ESO's CRDs, the
 * helm-test pod and the Group binding are not needed here). Returns the rendered objects by kind.
 */
export async function installRelease(
  kc: k8s.KubeConfig,
  namespace: string,
  /** `--set` overrides of the release's values, e.g. `{ 'agentic-sdlc-agent-runner.profile.parallelism': '8' }`. */
  set: Record<string, string> = {},
): Promise<k8s.KubernetesObject[]> {
  const yaml = execFileSync(
    helmBin(),
    [
      'template',
      RELEASE,
      join(REPO, 'releases', RELEASE),
      '--namespace',
      namespace,
      '--kube-version',
      '1.34.4',
      ...Object.entries(set).flatMap(([key, value]) => ['--set', `${key}=${value}`]),
    ],
    { encoding: 'utf8' },
  );
  const objects = k8s.loadAllYaml(yaml) as k8s.KubernetesObject[];
  const wanted = objects.filter(
    (o) =>
      (o.kind === 'ConfigMap' && o.metadata?.name === 'agentic-sdlc-runner-profile') ||
      (o.kind === 'ServiceAccount' && o.metadata?.name === `${RELEASE}-agent`) ||
      (o.kind === 'Role' && o.metadata?.name === LAUNCHER_ROLE),
  );
  if (wanted.length !== 3) throw new Error(`the chart rendered ${wanted.length}/3 expected objects`);
  const client = k8s.KubernetesObjectApi.makeApiClient(kc);
  for (const o of wanted) await client.create(o);
  return wanted;
}

/**
 * A kubeconfig file for ServiceAccount `name`, bound to `role` (a Role in `namespace`), with a short-lived
 * token: what a CI identity of the launcher would use.
 */
export async function serviceAccountKubeconfig(
  kc: k8s.KubeConfig,
  namespace: string,
  name: string,
  role: string,
): Promise<string> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    },
  });
  const token = await core.createNamespacedServiceAccountToken({
    namespace,
    name,
    body: { spec: { audiences: [], expirationSeconds: 1200 } },
  });
  const cluster = kc.getCurrentCluster();
  if (!cluster || !token.status?.token) throw new Error('no cluster or token');
  const sa = new k8s.KubeConfig();
  sa.loadFromOptions({
    clusters: [cluster],
    users: [{ name, token: token.status.token }],
    contexts: [{ name, cluster: cluster.name, user: name, namespace }],
    currentContext: name,
  });
  const file = join(tempDir('asdlc-kc-'), `${name}.kubeconfig`);
  writeFileSync(file, sa.exportConfig());
  // RBAC takes effect asynchronously (the authorizer's informer): wait until the Role works.
  await waitFor(`the RoleBinding of ${name} to take effect`, async () => {
    const api = sa.makeApiClient(k8s.BatchV1Api);
    await api.listNamespacedJob({ namespace, limit: 1 });
    return true;
  });
  return file;
}

export function adminKubeconfig(): string {
  return kubeconfigPath();
}

export interface CliProcess {
  child: ChildProcess;
  readonly stdout: string;
  readonly stderr: string;
  /** NDJSON records printed so far (complete lines). */
  records(): Record<string, unknown>[];
  /** Resolves with the exit code; rejects after `timeoutMs` (and kills the process). */
  exited(timeoutMs: number): Promise<number>;
  /** Waits (bounded) until `probe` of the output is true. */
  until(what: string, probe: (p: CliProcess) => boolean, timeoutMs: number): Promise<void>;
}

/** Starts the built `asdlc` asynchronously (the test plays the pods meanwhile). */
export function startCli(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): CliProcess {
  if (!existsSync(CLI_BIN)) throw new Error(`${CLI_BIN} is missing: run pnpm build first`);
  const child = spawn(process.execPath, [CLI_BIN, ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...GIT_ENV, NO_COLOR: '1', FORCE_COLOR: undefined, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const exit = new Promise<number>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : -1)));
  });
  const proc: CliProcess = {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    records() {
      return stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    },
    async exited(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(
            new Error(
              `asdlc ${args.join(' ')} did not exit within ${timeoutMs} ms\nstderr:\n${stderr}\nstdout (tail):\n${stdout.slice(-3000)}`,
            ),
          );
        }, timeoutMs);
      });
      try {
        return await Promise.race([exit, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    async until(what, probe, timeoutMs) {
      await waitFor(what, () => probe(proc), { timeoutMs, intervalMs: 100 }).catch((error: Error) => {
        throw new Error(`${error.message}\nstderr:\n${stderr}\nstdout (tail):\n${stdout.slice(-3000)}`);
      });
    },
  };
  return proc;
}

/**
 * Waits (bounded) for the running pod of a task's Job and returns its name; fails at once, with the CLI's
 * output, when the CLI that should create it exits first.
 */
export async function runningPod(
  namespace: string,
  runId: string,
  task: string,
  cli?: CliProcess,
  timeoutMs = 45_000,
): Promise<string> {
  const waiting = waitForJobPod(namespace, taskJobName(runId, task), (p) => p.status?.phase === 'Running', {
    timeoutMs,
  });
  const pod = await (cli
    ? Promise.race([
        waiting,
        cli.exited(timeoutMs).then((code) => {
          throw new Error(`asdlc exited (${code}) before the pod of ${task} ran\nstderr:\n${cli.stderr}`);
        }),
      ])
    : waiting);
  return pod.metadata?.name ?? '';
}

/** The runner's result line, as `asdlc-agent run-task` prints it last. */
export function resultLine(task: string, branch: string, sha: string): string {
  return `ASDLC_RESULT ${JSON.stringify({
    task,
    branch,
    baseSha: null,
    sha,
    pushed: true,
    filesChanged: [`src/${task}.txt`],
    durationMs: 4321,
    tokens: null,
    cost: null,
    outcome: 'succeeded',
    reason: null,
  })}`;
}

export function linesOf(task: string, from: number, to: number): string[] {
  return Array.from({ length: to - from }, (_, i) => `${task} line ${String(from + i).padStart(3, '0')}`);
}

/** Log lines per task from the NDJSON records of one or more CLI runs. */
export function logLines(...runs: CliProcess[]): Map<string, string[]> {
  const by = new Map<string, string[]>();
  for (const r of runs.flatMap((p) => p.records())) {
    if (r.type !== 'log') continue;
    const task = String(r.task);
    by.set(task, [...(by.get(task) ?? []), String(r.line)]);
  }
  return by;
}

export function summaryOf(p: CliProcess): Record<string, Record<string, unknown>> {
  const summary = p.records().find((r) => r.type === 'summary') as { tasks: { id: string }[] } | undefined;
  if (!summary)
    throw new Error(`no summary in the output\nstderr:\n${p.stderr}\nstdout:\n${p.stdout.slice(-3000)}`);
  return Object.fromEntries(summary.tasks.map((t) => [t.id, t as unknown as Record<string, unknown>]));
}
