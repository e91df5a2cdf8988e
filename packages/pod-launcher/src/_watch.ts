import {
  BatchV1Api,
  CoreV1Api,
  type KubernetesObject,
  ListWatch,
  type V1Job,
  type V1Pod,
  Watch,
} from '@kubernetes/client-node';
import { backoffDelay } from './_duration.js';
import { httpStatusOf, toKubeError, WaitTimeoutError } from './_errors.js';
import {
  agentStatus,
  deriveTaskStatus,
  isTerminalState,
  jobFailedCondition,
  jobSucceeded,
  sortPods,
} from './_explain.js';
import { LABEL_TASK, runSelector, sanitizeLabelValue } from './_names.js';
import { kubeUserName } from './_profile.js';
import type { RunWatch, TaskEvent, TaskStatus, WatchRunOptions } from './types.js';

interface Restartable {
  informer: ListWatch<KubernetesObject>;
  attempts: number;
  timer?: NodeJS.Timeout;
  resource: string;
}

function eventKey(s: TaskStatus): string {
  return JSON.stringify([s.state, s.reason ?? '', s.pod ?? '']);
}

function toEvent(s: TaskStatus): TaskEvent {
  return {
    task: s.task,
    state: s.state,
    ...(s.reason !== undefined ? { reason: s.reason } : {}),
    ...(s.failure !== undefined ? { failure: s.failure } : {}),
    ...(s.pod !== undefined ? { pod: s.pod } : {}),
    ...(s.result !== undefined ? { result: s.result } : {}),
  };
}

/**
 * Watch the Jobs and pods of one run with one informer per kind (label `agentic-sdlc.dev/run=<id>`),
 * and report every change of a task's state as a `TaskEvent`. Informers resume from their
 * resourceVersion and re-list on 410 Gone (client-node's ListWatch); after any other error an informer
 * stops, so it is restarted here with exponential backoff and jitter. A 403 is not retried: `done`
 * rejects with a `KubeForbiddenError` (also passed to `onError`).
 * Resolves once both informers made their first list (the initial states are reported then).
 */
export async function watchRun(options: WatchRunOptions): Promise<RunWatch> {
  const { kc, namespace, runId, onEvent, onError, signal } = options;
  const minMs = options.restartMinMs ?? 1000;
  const maxMs = options.restartMaxMs ?? 30_000;
  const labelSelector = runSelector(runId);
  const batch = kc.makeApiClient(BatchV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  const user = kubeUserName(kc);

  const jobs = new ListWatch<V1Job>(
    `/apis/batch/v1/namespaces/${namespace}/jobs`,
    new Watch(kc),
    () => batch.listNamespacedJob({ namespace, labelSelector }),
    false,
    labelSelector,
  );
  const pods = new ListWatch<V1Pod>(
    `/api/v1/namespaces/${namespace}/pods`,
    new Watch(kc),
    () => core.listNamespacedPod({ namespace, labelSelector }),
    false,
    labelSelector,
  );

  const statuses = new Map<string, TaskStatus>();
  const resultWait = new Map<string, number>();
  const resultGraceMs = 2000;
  const emitted = new Map<string, string>();
  const waiters = new Set<() => void>();
  let ready = false;
  let stopped = false;
  let resolveDone!: () => void;
  let rejectDone!: (err: Error) => void;
  const done = new Promise<void>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  done.catch(() => {});
  let fatal: Error | undefined;

  const recompute = (taskLabel: string): void => {
    if (!ready || stopped) return;
    const job = jobs.list(namespace).find((j) => j.metadata?.labels?.[LABEL_TASK] === taskLabel);
    const taskPods = pods.list(namespace).filter((p) => p.metadata?.labels?.[LABEL_TASK] === taskLabel);
    const previous = statuses.get(taskLabel);
    if (!job && taskPods.length === 0 && (!previous || isTerminalState(previous.state))) return;
    const status = deriveTaskStatus(job, taskPods);
    // The Job can finish before the pod informer has the terminated pod (two watches): hold the terminal
    // event back briefly so it carries the runner's result, then report it regardless.
    const newest = sortPods(taskPods).at(-1);
    const podPending =
      newest && !agentStatus(newest)?.state?.terminated && (jobSucceeded(job) || jobFailedCondition(job));
    if (podPending && isTerminalState(status.state)) {
      const since = resultWait.get(taskLabel) ?? Date.now();
      if (!resultWait.has(taskLabel)) resultWait.set(taskLabel, since);
      const left = resultGraceMs - (Date.now() - since);
      if (left > 0) {
        setTimeout(() => recompute(taskLabel), left + 5).unref();
        return;
      }
    }
    resultWait.delete(taskLabel);
    if (!status.task) status.task = previous?.task ?? taskLabel;
    if (!status.job && previous) status.job = previous.job;
    statuses.set(taskLabel, status);
    const key = eventKey(status);
    if (emitted.get(taskLabel) === key) return;
    emitted.set(taskLabel, key);
    try {
      onEvent(toEvent(status));
    } finally {
      for (const w of [...waiters]) w();
    }
  };
  const recomputeAll = (): void => {
    const labels = new Set<string>(statuses.keys());
    for (const o of [...jobs.list(namespace), ...pods.list(namespace)]) {
      const l = o.metadata?.labels?.[LABEL_TASK];
      if (l) labels.add(l);
    }
    for (const l of [...labels].sort()) recompute(l);
  };
  const onObject = (obj: KubernetesObject): void => {
    const l = obj.metadata?.labels?.[LABEL_TASK];
    if (l) recompute(l);
  };

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    for (const r of restartables) if (r.timer) clearTimeout(r.timer);
    await Promise.allSettled([jobs.stop(), pods.stop()]);
    for (const w of [...waiters]) w();
    if (fatal) rejectDone(fatal);
    else resolveDone();
  };

  const restartables: Restartable[] = [
    { informer: jobs as unknown as ListWatch<KubernetesObject>, attempts: 0, resource: 'jobs.batch' },
    { informer: pods as unknown as ListWatch<KubernetesObject>, attempts: 0, resource: 'pods' },
  ];
  const startInformer = (r: Restartable): Promise<void> =>
    r.informer.start().catch((err: unknown) => handleError(r, err));
  const handleError = (r: Restartable, err: unknown): void => {
    if (stopped) return;
    if (httpStatusOf(err) === 403) {
      fatal = toKubeError(err, { verb: 'watch', resource: r.resource, namespace, user });
      onError?.(fatal, { recovering: false });
      void stop();
      return;
    }
    r.attempts++;
    const delay = backoffDelay(r.attempts - 1, minMs, maxMs);
    onError?.(err instanceof Error ? err : new Error(String(err)), { recovering: true });
    if (r.timer) clearTimeout(r.timer);
    r.timer = setTimeout(() => {
      r.timer = undefined;
      if (!stopped) void startInformer(r);
    }, delay);
  };
  for (const r of restartables) {
    r.informer.on('error', (err) => handleError(r, err));
    r.informer.on('add', (o) => {
      r.attempts = 0;
      onObject(o);
    });
    r.informer.on('update', (o) => {
      r.attempts = 0;
      onObject(o);
    });
    r.informer.on('delete', onObject);
  }

  if (signal?.aborted) {
    await stop();
  } else {
    signal?.addEventListener('abort', () => void stop(), { once: true });
    await Promise.all(restartables.map(startInformer));
    if (fatal) {
      await stop();
      throw fatal;
    }
    ready = true;
    recomputeAll();
  }

  const snapshot = (): TaskStatus[] => [...statuses.values()].sort((a, b) => a.task.localeCompare(b.task));

  const settled = (taskIds?: string[], opts: { timeoutMs?: number } = {}): Promise<TaskStatus[]> =>
    new Promise<TaskStatus[]>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const check = (): void => {
        const all = snapshot();
        const wanted = taskIds ? all.filter((s) => taskIds.includes(s.task)) : all;
        const complete =
          (taskIds ? wanted.length === taskIds.length : wanted.length > 0) &&
          wanted.every((s) => isTerminalState(s.state));
        if (complete || stopped) {
          waiters.delete(check);
          if (timer) clearTimeout(timer);
          if (complete) resolve(wanted);
          else
            reject(fatal ?? new WaitTimeoutError(`watch of run ${runId} stopped before the tasks settled`));
        }
      };
      if (opts.timeoutMs !== undefined) {
        timer = setTimeout(() => {
          waiters.delete(check);
          const states = snapshot()
            .map((s) => `${s.task}=${s.state}`)
            .join(', ');
          reject(
            new WaitTimeoutError(
              `tasks of run ${runId} did not settle within ${opts.timeoutMs} ms; states: ${states || '(none seen)'}`,
            ),
          );
        }, opts.timeoutMs);
      }
      waiters.add(check);
      check();
    });

  const pod = (taskId: string): V1Pod | undefined => {
    const label = sanitizeLabelValue(taskId);
    const sorted = sortPods(pods.list(namespace).filter((p) => p.metadata?.labels?.[LABEL_TASK] === label));
    return sorted[sorted.length - 1];
  };

  return { snapshot, settled, pod, stop, done };
}
