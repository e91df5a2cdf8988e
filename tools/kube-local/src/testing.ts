// Helpers for tests that run against the loopback cluster (`pnpm test:cluster`).
// The cluster itself is started by ./global-setup.ts (or `pnpm cluster:up`); see tools/kube-local/README.md.
import { existsSync, readFileSync } from 'node:fs';
import { appendFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll } from 'vitest';

/** Pod annotations read by the kwok Stages in tools/kube-local/kwok/stages.yaml. */
export const KWOK_ANNOTATIONS = {
  /** `succeed | fail | oom | hang | waiting`; default: succeed for a Job's pod, hang for any other pod. */
  outcome: 'kwok.agentic-sdlc.dev/outcome',
  /** Go duration spent Pending before Running (or before the waiting reason appears). */
  startDelay: 'kwok.agentic-sdlc.dev/start-delay',
  /** Go duration spent Running before succeed / fail / oom. */
  delay: 'kwok.agentic-sdlc.dev/delay',
  /** fail: the container's exit code (default 1). */
  exitCode: 'kwok.agentic-sdlc.dev/exit-code',
  /** fail: terminated reason (default Error). waiting: waiting reason (default ImagePullBackOff). */
  reason: 'kwok.agentic-sdlc.dev/reason',
  /** fail / waiting: message shown in the container state. */
  message: 'kwok.agentic-sdlc.dev/message',
} as const;

export type PodOutcome = 'succeed' | 'fail' | 'oom' | 'hang' | 'waiting';

export interface PodFate {
  outcome?: PodOutcome;
  /** e.g. '2s' */
  startDelay?: string;
  /** e.g. '2s' */
  delay?: string;
  exitCode?: number;
  reason?: string;
  message?: string;
}

/** Annotations (for a pod template) that make kwok play out `fate`. */
export function podFate(fate: PodFate): Record<string, string> {
  const a: Record<string, string> = {};
  if (fate.outcome) a[KWOK_ANNOTATIONS.outcome] = fate.outcome;
  if (fate.startDelay) a[KWOK_ANNOTATIONS.startDelay] = fate.startDelay;
  if (fate.delay) a[KWOK_ANNOTATIONS.delay] = fate.delay;
  if (fate.exitCode !== undefined) a[KWOK_ANNOTATIONS.exitCode] = String(fate.exitCode);
  if (fate.reason) a[KWOK_ANNOTATIONS.reason] = fate.reason;
  if (fate.message) a[KWOK_ANNOTATIONS.message] = fate.message;
  return a;
}

// --- where things are --------------------------------------------------------------------------------

const here = dirname(fileURLToPath(import.meta.url));

/** tools/kube-local (works from src/ and from dist/). */
export function packageDir(): string {
  return resolve(here, '..');
}

/** True for the real-node profile (`cluster:up --real-node`, KUBE_LOCAL_REAL_NODE=1). */
export function realNodeProfile(): boolean {
  return process.env.KUBE_LOCAL_REAL_NODE === '1';
}

/**
 * The state dir of `cluster:up`: KUBE_LOCAL_STATE_DIR, else <repo>/.agentic-sdlc/kube (kwok nodes) or
 * <repo>/.agentic-sdlc/kube-node (the real-node profile).
 */
export function stateDir(): string {
  const profileDir = realNodeProfile() ? '.agentic-sdlc/kube-node' : '.agentic-sdlc/kube';
  return process.env.KUBE_LOCAL_STATE_DIR ?? resolve(here, '../../..', profileDir);
}

/** The admin kubeconfig written by `cluster:up` (client cert in group system:masters). */
export function kubeconfigPath(): string {
  return join(stateDir(), 'kubeconfig');
}

export interface ClusterInfo {
  server: string;
  kwokPort: number;
  podLogsDir: string;
  kubeconfig: string;
  /** The real node (profile `--real-node` only): its name, addresses and containerd socket. */
  realNode?: {
    name: string;
    /** Host end of the veth pair: what pods reach (bind test servers here). */
    hostIP: string;
    nodeIP: string;
    podCIDR: string;
    containerdSocket: string;
  };
}

/** What `cluster:up` wrote to <state>/cluster.json. */
export function clusterInfo(): ClusterInfo {
  const file = join(stateDir(), 'cluster.json');
  if (!existsSync(file)) {
    throw new Error(
      `no loopback cluster: ${file} is missing — run \`pnpm cluster:up\` (or \`pnpm test:cluster\`)`,
    );
  }
  return JSON.parse(readFileSync(file, 'utf8')) as ClusterInfo;
}

/** A KubeConfig for the admin kubeconfig. */
export function loadKubeConfig(): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfigPath());
  return kc;
}

/** GET a raw apiserver path (e.g. `/readyz`); resolves with status and body. */
export async function rawGet(
  kc: k8s.KubeConfig,
  path: string,
  timeoutMs = 3_000,
): Promise<{ status: number; body: string }> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  const opts: import('node:https').RequestOptions = { method: 'GET', timeout: timeoutMs };
  await kc.applyToHTTPSOptions(opts);
  return new Promise((ok, fail) => {
    const req = request(new URL(path, cluster.server), opts, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () => ok({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out after ${timeoutMs}ms`)));
    req.on('error', fail);
    req.end();
  });
}

/** True when the kubeconfig exists and the apiserver's /readyz answers `ok`. */
export async function clusterReady(): Promise<boolean> {
  if (!existsSync(kubeconfigPath())) return false;
  try {
    const { status, body } = await rawGet(loadKubeConfig(), '/readyz');
    return status === 200 && body.trim() === 'ok';
  } catch {
    return false;
  }
}

// --- bounded waiting ---------------------------------------------------------------------------------

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

/** Polls `probe` until it returns a value other than undefined/false; throws after `timeoutMs` (default 30 s). */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  { timeoutMs = 30_000, intervalMs = 200 }: WaitOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`, { cause: lastError });
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

// --- namespaces --------------------------------------------------------------------------------------

/** Creates `<prefix>-<random>` and waits until its `default` ServiceAccount exists (pods need it). */
export async function createNamespace(prefix = 'test', labels: Record<string, string> = {}): Promise<string> {
  const kc = loadKubeConfig();
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const safe =
    prefix
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'test';
  const name = `${safe}-${Math.random().toString(36).slice(2, 8)}`;
  await core.createNamespace({
    body: { metadata: { name, labels: { 'agentic-sdlc.dev/test': 'true', ...labels } } },
  });
  await waitFor(`ServiceAccount ${name}/default`, async () => {
    await core.readNamespacedServiceAccount({ name: 'default', namespace: name });
    return true;
  });
  return name;
}

/** Deletes the namespace (the real namespace controller finishes it) and its pod log files. */
export async function deleteNamespace(name: string): Promise<void> {
  const core = loadKubeConfig().makeApiClient(k8s.CoreV1Api);
  await core.deleteNamespace({ name }).catch((err: unknown) => {
    if ((err as { code?: number }).code !== 404) throw err;
  });
  await rm(join(podLogsDir(), name), { recursive: true, force: true });
}

export interface TestNamespace {
  /** The namespace name; available from `beforeAll` on. */
  readonly name: string;
  readonly kc: k8s.KubeConfig;
}

/**
 * Gives the calling test file its own namespace: created in `beforeAll`, deleted in `afterAll`
 * (kept when KUBE_LOCAL_KEEP_NAMESPACES=1). Call it at the top level of a test file.
 */
export function withNamespace(prefix = 'test', labels: Record<string, string> = {}): TestNamespace {
  let name: string | undefined;
  let kc: k8s.KubeConfig | undefined;
  beforeAll(async () => {
    kc = loadKubeConfig();
    name = await createNamespace(prefix, labels);
  }, 60_000);
  afterAll(async () => {
    if (name && process.env.KUBE_LOCAL_KEEP_NAMESPACES !== '1') await deleteNamespace(name);
  }, 60_000);
  return {
    get name() {
      if (!name) throw new Error('withNamespace(): the namespace exists only from beforeAll on');
      return name;
    },
    get kc() {
      if (!kc) throw new Error('withNamespace(): the KubeConfig exists only from beforeAll on');
      return kc;
    },
  };
}

// --- pod logs (served by kwok, read through the apiserver) ------------------------------------------

export function podLogsDir(): string {
  return join(stateDir(), 'pod-logs');
}

/** The file kwok serves for `kubectl logs <pod> -c <container>` once writePodLog() has run. */
export function podLogPath(namespace: string, pod: string, container: string): string {
  return join(podLogsDir(), namespace, pod, `${container}.log`);
}

export interface LogLineOptions {
  stream?: 'stdout' | 'stderr';
  /** Timestamp of the lines (default: now). */
  time?: Date;
}

/** One line in the CRI log format kwok parses: `<RFC3339Nano> <stream> F <text>`. */
export function criLogLine(
  text: string,
  { stream = 'stdout', time = new Date() }: LogLineOptions = {},
): string {
  return `${time.toISOString()} ${stream} F ${text}\n`;
}

const LOGS_GROUP = 'kwok.x-k8s.io';
const LOGS_VERSION = 'v1alpha1';

interface KwokLogs {
  apiVersion: string;
  kind: 'Logs';
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: { logs: { containers: string[]; logsFile: string }[] };
}

/**
 * (Re)writes the log of `pod`/`container` with `lines` and makes kwok serve it: creates (or extends) the kwok
 * `Logs` object named after the pod and waits until kwok's server answers for it, so a follower started after
 * this resolves sees every line. The pod need not exist yet. Returns the file path.
 */
export async function writePodLog(
  namespace: string,
  pod: string,
  container: string,
  lines: string[] = [],
  opts: LogLineOptions = {},
): Promise<string> {
  const file = podLogPath(namespace, pod, container);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, lines.map((l) => criLogLine(l, opts)).join(''));

  const api = loadKubeConfig().makeApiClient(k8s.CustomObjectsApi);
  const ref = { group: LOGS_GROUP, version: LOGS_VERSION, namespace, plural: 'logs', name: pod };
  let existing: KwokLogs | undefined;
  try {
    existing = (await api.getNamespacedCustomObject(ref)) as KwokLogs;
  } catch (err) {
    if ((err as { code?: number }).code !== 404) throw err;
  }
  if (!existing) {
    const body: KwokLogs = {
      apiVersion: `${LOGS_GROUP}/${LOGS_VERSION}`,
      kind: 'Logs',
      metadata: { name: pod, namespace },
      spec: { logs: [{ containers: [container], logsFile: file }] },
    };
    await api.createNamespacedCustomObject({ ...ref, body });
  } else if (!existing.spec.logs.some((l) => l.containers.includes(container))) {
    existing.spec.logs.push({ containers: [container], logsFile: file });
    await api.replaceNamespacedCustomObject({ ...ref, body: existing });
  }

  // kwok learns about Logs objects through a watch; wait until its server resolves this container.
  const { kwokPort } = clusterInfo();
  const url = `http://127.0.0.1:${kwokPort}/containerLogs/${namespace}/${pod}/${container}?limitBytes=1`;
  await waitFor(
    `kwok to serve the log of ${namespace}/${pod}/${container}`,
    async () => (await fetch(url, { signal: AbortSignal.timeout(2_000) })).ok,
    { timeoutMs: 15_000, intervalMs: 100 },
  );
  return file;
}

/** Appends `lines` to the log written by writePodLog() (a follower sees them within about a second). */
export async function appendPodLog(
  namespace: string,
  pod: string,
  container: string,
  lines: string[],
  opts: LogLineOptions = {},
): Promise<void> {
  await appendFile(podLogPath(namespace, pod, container), lines.map((l) => criLogLine(l, opts)).join(''));
}

// --- pods of Jobs ------------------------------------------------------------------------------------

/** Waits (bounded) for a pod of Job `job` that satisfies `accept` (default: any pod). */
export async function waitForJobPod(
  namespace: string,
  job: string,
  accept: (pod: k8s.V1Pod) => boolean = () => true,
  opts: WaitOptions = {},
): Promise<k8s.V1Pod> {
  const core = loadKubeConfig().makeApiClient(k8s.CoreV1Api);
  return waitFor(
    `a pod of Job ${namespace}/${job}`,
    async () => {
      const list = await core.listNamespacedPod({
        namespace,
        labelSelector: `batch.kubernetes.io/job-name=${job}`,
      });
      return list.items.find(accept);
    },
    opts,
  );
}
