import { parseDuration } from '@agentic-sdlc/secrets-config';
import { BatchV1Api, CoreV1Api, type V1Job, type V1Pod } from '@kubernetes/client-node';
import { httpStatusOf, InvalidInputError, toKubeError } from './_errors.js';
import { deriveTaskStatus, jobFailedCondition, jobSucceeded } from './_explain.js';
import {
  ANNOTATION_RUN_ID,
  ANNOTATION_TASK_ID,
  LABEL_FEATURE,
  LABEL_RUN,
  LABEL_TASK,
  MANAGED_SELECTOR,
  runSelector,
  sanitizeLabelValue,
} from './_names.js';
import { kubeUserName } from './_profile.js';
import type {
  CancelResult,
  CancelRunOptions,
  CleanupJobsOptions,
  CleanupResult,
  KubeContextOptions,
  RunStatusOptions,
  RunSummary,
  TaskStatus,
} from './types.js';

async function listJobs(options: KubeContextOptions, labelSelector: string): Promise<V1Job[]> {
  const batch = options.kc.makeApiClient(BatchV1Api);
  try {
    return (await batch.listNamespacedJob({ namespace: options.namespace, labelSelector })).items;
  } catch (err) {
    throw toKubeError(err, {
      verb: 'list',
      resource: 'jobs.batch',
      namespace: options.namespace,
      user: kubeUserName(options.kc),
    });
  }
}

async function listPods(options: KubeContextOptions, labelSelector: string): Promise<V1Pod[]> {
  const core = options.kc.makeApiClient(CoreV1Api);
  try {
    return (await core.listNamespacedPod({ namespace: options.namespace, labelSelector })).items;
  } catch (err) {
    throw toKubeError(err, {
      verb: 'list',
      resource: 'pods',
      namespace: options.namespace,
      user: kubeUserName(options.kc),
    });
  }
}

async function deleteJob(
  options: KubeContextOptions,
  name: string,
  propagationPolicy: 'Foreground' | 'Background',
): Promise<boolean> {
  const batch = options.kc.makeApiClient(BatchV1Api);
  try {
    await batch.deleteNamespacedJob({ name, namespace: options.namespace, propagationPolicy });
    return true;
  } catch (err) {
    if (httpStatusOf(err) === 404) return false;
    throw toKubeError(err, {
      verb: 'delete',
      resource: 'jobs.batch',
      namespace: options.namespace,
      name,
      user: kubeUserName(options.kc),
    });
  }
}

function taskIdOf(job: V1Job): string {
  return job.metadata?.annotations?.[ANNOTATION_TASK_ID] ?? job.metadata?.labels?.[LABEL_TASK] ?? '';
}

/** Delete the Jobs of a run (or some of its tasks). Pods go with them (propagation, default Background). */
export async function cancelRun(options: CancelRunOptions): Promise<CancelResult> {
  const jobs = await listJobs(options, runSelector(options.runId));
  const wanted = options.taskIds;
  const selected = wanted
    ? jobs.filter(
        (j) =>
          wanted.includes(taskIdOf(j)) ||
          wanted.map(sanitizeLabelValue).includes(j.metadata?.labels?.[LABEL_TASK] ?? ''),
      )
    : jobs;
  const deleted: string[] = [];
  for (const job of selected) {
    const name = job.metadata?.name ?? '';
    if (await deleteJob(options, name, options.propagationPolicy ?? 'Background')) deleted.push(name);
  }
  const found = new Set(selected.map(taskIdOf));
  const missing = (wanted ?? []).filter((t) => !found.has(t));
  return { deleted: deleted.sort(), missing };
}

/** When a Job finished (completion time or its Failed condition), in ms; undefined while active. */
export function jobFinishedAt(job: V1Job): number | undefined {
  if (
    !jobSucceeded(job) &&
    !job.status?.conditions?.some((c) => c.type === 'Failed' && c.status === 'True')
  ) {
    return undefined;
  }
  const t =
    job.status?.completionTime ??
    job.status?.conditions?.find((c) => (c.type === 'Failed' || c.type === 'Complete') && c.status === 'True')
      ?.lastTransitionTime;
  return t ? new Date(t as unknown as string).getTime() : undefined;
}

/**
 * Delete finished Jobs of this tool only (label `app.kubernetes.io/managed-by=asdlc`,
 * component agent) that finished more than `olderThan` ago. Active Jobs are never touched.
 */
export async function cleanupJobs(options: CleanupJobsOptions): Promise<CleanupResult> {
  let olderThanMs: number;
  if (typeof options.olderThan === 'number') olderThanMs = options.olderThan;
  else {
    try {
      olderThanMs = parseDuration(options.olderThan);
    } catch (cause) {
      throw new InvalidInputError(
        `cleanupJobs: olderThan ${JSON.stringify(options.olderThan)} is not a duration (e.g. 24h): ${(cause as Error).message}`,
      );
    }
  }
  if (!Number.isFinite(olderThanMs) || olderThanMs < 0) {
    throw new InvalidInputError(`cleanupJobs: olderThan must be >= 0; received ${options.olderThan}`);
  }
  const now = options.now ?? Date.now();
  const jobs = await listJobs(options, MANAGED_SELECTOR);
  const deleted: string[] = [];
  const kept: string[] = [];
  for (const job of jobs) {
    const name = job.metadata?.name ?? '';
    const finished = jobFinishedAt(job);
    if (finished === undefined || now - finished < olderThanMs) {
      kept.push(name);
      continue;
    }
    if (options.dryRun || (await deleteJob(options, name, 'Background'))) deleted.push(name);
  }
  return { deleted: deleted.sort(), kept: kept.sort() };
}

/** Per-task status of a run, from its Jobs, pods and the runners' termination messages. */
export async function runStatus(options: RunStatusOptions): Promise<TaskStatus[]> {
  const selector = runSelector(options.runId);
  const [jobs, pods] = await Promise.all([listJobs(options, selector), listPods(options, selector)]);
  const labels = new Set<string>();
  for (const o of [...jobs, ...pods]) {
    const l = o.metadata?.labels?.[LABEL_TASK];
    if (l) labels.add(l);
  }
  const out: TaskStatus[] = [];
  for (const label of labels) {
    const job = jobs.find((j) => j.metadata?.labels?.[LABEL_TASK] === label);
    if (!job) continue; // pods of a deleted Job are on their way out
    const taskPods = pods.filter((p) => p.metadata?.labels?.[LABEL_TASK] === label);
    out.push(deriveTaskStatus(job, taskPods));
  }
  return out.sort((a, b) => a.task.localeCompare(b.task));
}

/** The runs that have Jobs in the namespace, newest first. */
export async function listRuns(options: KubeContextOptions): Promise<RunSummary[]> {
  const jobs = await listJobs(options, MANAGED_SELECTOR);
  const runs = new Map<string, RunSummary>();
  for (const job of jobs) {
    const runId = job.metadata?.annotations?.[ANNOTATION_RUN_ID] ?? job.metadata?.labels?.[LABEL_RUN];
    if (!runId) continue;
    let run = runs.get(runId);
    if (!run) {
      const feature = job.metadata?.labels?.[LABEL_FEATURE];
      run = { runId, ...(feature ? { feature } : {}), tasks: 0, active: 0, succeeded: 0, failed: 0 };
      runs.set(runId, run);
    }
    run.tasks++;
    if (jobSucceeded(job)) run.succeeded++;
    else if (jobFailedCondition(job)) run.failed++;
    else run.active++;
    const created = job.metadata?.creationTimestamp;
    const createdAt = created ? new Date(created as unknown as string).toISOString() : undefined;
    if (createdAt && (!run.createdAt || createdAt < run.createdAt)) run.createdAt = createdAt;
  }
  return [...runs.values()].sort((a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? ''));
}
