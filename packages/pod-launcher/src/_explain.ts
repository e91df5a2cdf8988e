import { RESULT_PREFIX, toRunnerResult } from '@agentic-sdlc/secrets-config';
import type { V1ContainerStatus, V1Job, V1JobCondition, V1Pod } from '@kubernetes/client-node';
import { formatSeconds } from './_duration.js';
import { KubeForbiddenError } from './_errors.js';
import {
  AGENT_CONTAINER,
  ANNOTATION_BRANCH,
  ANNOTATION_TASK_ID,
  ANNOTATION_TITLE,
  LABEL_FEATURE,
  LABEL_TASK,
} from './_names.js';
import type { FailureCause, FailureExplanation, RunnerResult, TaskState, TaskStatus } from './types.js';

const IMAGE_PULL_REASONS = new Set([
  'ImagePullBackOff',
  'ErrImagePull',
  'InvalidImageName',
  'ErrImageNeverPull',
]);
const START_ERROR_REASONS = new Set([
  'ContainerCannotRun',
  'StartError',
  'CreateContainerError',
  'RunContainerError',
]);

/** Parse the runner's result from a termination message (or a log tail); undefined when it holds none. */
export function parseRunnerResult(message: string | undefined): RunnerResult | undefined {
  if (!message) return undefined;
  // FallbackToLogsOnError: the message may be the log tail; the result line is the last one.
  const lines = message.trim().split('\n');
  const line = [...lines].reverse().find((l) => l.startsWith(RESULT_PREFIX) || l.trim().startsWith('{'));
  if (!line) return undefined;
  const text = line.startsWith(RESULT_PREFIX) ? line.slice(RESULT_PREFIX.length) : line.trim();
  try {
    return toRunnerResult(JSON.parse(text)) ?? undefined;
  } catch {
    return undefined;
  }
}

function jobCondition(job: V1Job | undefined, type: string): V1JobCondition | undefined {
  return job?.status?.conditions?.find((c) => c.type === type && c.status === 'True');
}

/** The Job's failure condition (Failed, or FailureTarget while pods are still terminating). */
export function jobFailedCondition(job: V1Job | undefined): V1JobCondition | undefined {
  return jobCondition(job, 'Failed') ?? jobCondition(job, 'FailureTarget');
}

export function jobSucceeded(job: V1Job | undefined): boolean {
  return jobCondition(job, 'Complete') !== undefined;
}

/** Pods sorted oldest first (creationTimestamp, then name). */
export function sortPods(pods: readonly V1Pod[]): V1Pod[] {
  const time = (p: V1Pod): number => {
    const t = p.metadata?.creationTimestamp;
    return t ? new Date(t as unknown as string).getTime() : 0;
  };
  return [...pods].sort(
    (a, b) => time(a) - time(b) || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''),
  );
}

export function agentStatus(
  pod: V1Pod | undefined,
  container = AGENT_CONTAINER,
): V1ContainerStatus | undefined {
  const statuses = pod?.status?.containerStatuses ?? [];
  return statuses.find((c) => c.name === container) ?? statuses[0];
}

function agentImage(pod: V1Pod, status: V1ContainerStatus | undefined): string {
  return (
    pod.spec?.containers?.find((c) => c.name === (status?.name ?? AGENT_CONTAINER))?.image ??
    status?.image ??
    '(unknown image)'
  );
}

function memoryLimit(pod: V1Pod): string | undefined {
  return pod.spec?.containers?.find((c) => c.name === AGENT_CONTAINER)?.resources?.limits?.memory;
}

/** `secret "x" not found`, `couldn't find key K in Secret ns/name`. */
export function parseConfigError(message: string): { secret?: string; key?: string } {
  const keyMatch = /couldn't find key ([^\s]+) in Secret ([^\s/]+)\/([^\s]+)/.exec(message);
  if (keyMatch) return { key: keyMatch[1], secret: keyMatch[3] };
  const secretMatch = /secret "([^"]+)" not found/i.exec(message);
  if (secretMatch) return { secret: secretMatch[1] };
  const cmMatch = /configmap "([^"]+)" not found/i.exec(message);
  if (cmMatch) return { secret: `configmap/${cmMatch[1]}` };
  return {};
}

/** Render one failure cause as a readable line. Exhaustive over `FailureCause`. */
export function formatFailure(cause: FailureCause): string {
  switch (cause.kind) {
    case 'ImagePull':
      return `cannot pull image ${cause.image} (${cause.waitingReason})${cause.detail ? `: ${cause.detail}` : ''}`;
    case 'CreateContainerConfig':
      if (cause.key && cause.secret) {
        return `missing key "${cause.key}" in Secret "${cause.secret}" (CreateContainerConfigError) — check the ExternalSecret and the profile's secret refs`;
      }
      if (cause.secret) {
        return `missing Secret "${cause.secret}" (CreateContainerConfigError) — is the ExternalSecret synced?`;
      }
      return `container configuration error (CreateContainerConfigError): ${cause.detail}`;
    case 'OOMKilled':
      return `out of memory (OOMKilled${cause.memoryLimit ? `, memory limit ${cause.memoryLimit}` : ''}) — raise resources.limits.memory in the profile`;
    case 'DeadlineExceeded':
      return cause.seconds !== undefined
        ? `timed out after ${formatSeconds(cause.seconds)} (the Job's activeDeadlineSeconds)`
        : `timed out (the Job's activeDeadlineSeconds)`;
    case 'Evicted':
      return `pod evicted: ${cause.detail}`;
    case 'BackoffLimitExceeded':
      return `failed ${cause.failures ?? 'too many'} time(s), backoffLimit ${cause.backoffLimit ?? '?'} reached${
        cause.lastExitCode !== undefined ? ` (last exit code ${cause.lastExitCode})` : ''
      }`;
    case 'PodFailurePolicy':
      return `failed by the Job's podFailurePolicy: ${cause.detail}`;
    case 'ExitCode':
      return `agent exited with code ${cause.exitCode}${cause.detail ? `: ${cause.detail}` : ''}`;
    case 'StartError':
      return `container could not start: ${cause.detail}`;
    case 'Forbidden':
      return `forbidden: ${cause.user ? `"${cause.user}"` : 'the current user'} cannot ${cause.verb} ${cause.resource} in ${cause.namespace}`;
    case 'Deleted':
      return 'the Job was deleted before it finished (cancelled or cleaned up)';
    case 'Unknown':
      return cause.detail;
    default:
      return cause satisfies never;
  }
}

function explained(cause: FailureCause, pod?: V1Pod): FailureExplanation {
  const name = pod?.metadata?.name;
  return { cause, message: formatFailure(cause), ...(name ? { pod: name } : {}) };
}

/** What a single pod says about a failure (stuck waiting or terminated non-zero), if anything. */
function explainPod(pod: V1Pod): FailureExplanation | undefined {
  const status = agentStatus(pod);
  if (pod.status?.reason === 'Evicted') {
    return explained({ kind: 'Evicted', detail: pod.status.message ?? 'Evicted' }, pod);
  }
  const disruption = pod.status?.conditions?.find(
    (c) => c.type === 'DisruptionTarget' && c.status === 'True',
  );
  if (disruption && pod.status?.phase === 'Failed') {
    return explained(
      {
        kind: 'Evicted',
        detail: [disruption.reason, disruption.message].filter(Boolean).join(': ') || 'disrupted',
      },
      pod,
    );
  }
  const waiting = status?.state?.waiting;
  if (waiting?.reason && IMAGE_PULL_REASONS.has(waiting.reason)) {
    return explained(
      {
        kind: 'ImagePull',
        image: agentImage(pod, status),
        waitingReason: waiting.reason,
        detail: waiting.message ?? '',
      },
      pod,
    );
  }
  if (waiting?.reason === 'CreateContainerConfigError') {
    const message = waiting.message ?? '';
    return explained({ kind: 'CreateContainerConfig', ...parseConfigError(message), detail: message }, pod);
  }
  if (waiting?.reason && START_ERROR_REASONS.has(waiting.reason)) {
    return explained(
      { kind: 'StartError', detail: `${waiting.reason}: ${waiting.message ?? ''}`.trim() },
      pod,
    );
  }
  const terminated = status?.state?.terminated ?? status?.lastState?.terminated;
  if (terminated) {
    if (terminated.reason === 'OOMKilled') {
      const limit = memoryLimit(pod);
      return explained({ kind: 'OOMKilled', ...(limit ? { memoryLimit: limit } : {}) }, pod);
    }
    if (terminated.reason && START_ERROR_REASONS.has(terminated.reason)) {
      return explained(
        { kind: 'StartError', detail: `${terminated.reason}: ${terminated.message ?? ''}`.trim() },
        pod,
      );
    }
    if (terminated.exitCode !== 0) {
      const result = parseRunnerResult(terminated.message);
      const detail =
        result?.reason ??
        (terminated.message && !result ? terminated.message.trim().split('\n').slice(-1)[0] : undefined) ??
        (terminated.reason && terminated.reason !== 'Error' ? terminated.reason : undefined);
      return explained(
        { kind: 'ExitCode', exitCode: terminated.exitCode, ...(detail ? { detail } : {}) },
        pod,
      );
    }
  }
  return undefined;
}

export interface ExplainContext {
  /** An error met while launching or watching (403 → Forbidden). */
  error?: unknown;
}

/**
 * Why a task's Job failed or is stuck, from its Job and pods (pure). Undefined when nothing is wrong.
 * Order: Forbidden (context error) → DeadlineExceeded → the newest pod's own story (evicted, image pull,
 * missing secret, OOM, start error, exit code) → the Job's condition (BackoffLimitExceeded, PodFailurePolicy).
 */
export function explainFailure(
  job: V1Job | undefined,
  pods: readonly V1Pod[],
  context: ExplainContext = {},
): FailureExplanation | undefined {
  if (context.error instanceof KubeForbiddenError) {
    const e = context.error;
    return explained({
      kind: 'Forbidden',
      verb: e.verb,
      resource: e.resource,
      namespace: e.namespace,
      ...(e.user ? { user: e.user } : {}),
    });
  }
  const failed = jobFailedCondition(job);
  if (failed?.reason === 'DeadlineExceeded') {
    const seconds = job?.spec?.activeDeadlineSeconds;
    return explained({ kind: 'DeadlineExceeded', ...(seconds !== undefined ? { seconds } : {}) });
  }
  const sorted = sortPods(pods);
  const newest = sorted[sorted.length - 1];
  const fromPod = newest ? explainPod(newest) : undefined;
  if (failed?.reason === 'BackoffLimitExceeded') {
    const last = sorted
      .map((p) => agentStatus(p)?.state?.terminated?.exitCode)
      .filter((c) => c !== undefined);
    const lastExitCode = last[last.length - 1];
    if (fromPod && fromPod.cause.kind !== 'ExitCode') return fromPod;
    return explained(
      {
        kind: 'BackoffLimitExceeded',
        ...(job?.status?.failed !== undefined ? { failures: job.status.failed } : {}),
        ...(job?.spec?.backoffLimit !== undefined ? { backoffLimit: job.spec.backoffLimit } : {}),
        ...(lastExitCode !== undefined ? { lastExitCode } : {}),
      },
      newest,
    );
  }
  if (fromPod) return fromPod;
  if (failed?.reason === 'PodFailurePolicy') {
    return explained({ kind: 'PodFailurePolicy', detail: failed.message ?? 'PodFailurePolicy' }, newest);
  }
  if (failed) {
    return explained(
      { kind: 'Unknown', detail: `Job failed: ${failed.reason ?? ''} ${failed.message ?? ''}`.trim() },
      newest,
    );
  }
  if (newest?.status?.phase === 'Failed') {
    return explained(
      {
        kind: 'Unknown',
        detail: `pod failed: ${newest.status.reason ?? ''} ${newest.status.message ?? ''}`.trim(),
      },
      newest,
    );
  }
  return undefined;
}

function podState(pod: V1Pod | undefined): TaskState {
  if (!pod) return 'queued';
  const status = agentStatus(pod);
  if (status?.state?.running || status?.state?.terminated) return 'running';
  const waiting = status?.state?.waiting?.reason;
  if (waiting === 'ContainerCreating' || waiting === 'PodInitializing') return 'pulling';
  const scheduled = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'True');
  if (pod.spec?.nodeName || scheduled) return status ? 'pulling' : 'scheduled';
  return 'queued';
}

function timeString(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

/**
 * A task's status from its Job and pods (pure). Terminal states come from the Job's conditions; a pod
 * stuck on an image pull or a missing secret is reported as `failed` with the reason while the Job lives.
 */
export function deriveTaskStatus(
  job: V1Job | undefined,
  pods: readonly V1Pod[],
  context: ExplainContext = {},
): TaskStatus {
  const sorted = sortPods(pods);
  const newest = sorted[sorted.length - 1];
  const meta = job?.metadata ?? newest?.metadata;
  const task = meta?.annotations?.[ANNOTATION_TASK_ID] ?? meta?.labels?.[LABEL_TASK] ?? '';
  const terminated = agentStatus(newest)?.state?.terminated;
  const result = parseRunnerResult(terminated?.message);
  let state: TaskState;
  let failure: FailureExplanation | undefined;
  if (context.error) {
    state = 'failed';
    failure = explainFailure(job, pods, context);
  } else if (jobSucceeded(job)) {
    state = 'succeeded';
  } else if (jobFailedCondition(job)) {
    failure = explainFailure(job, pods);
    state =
      failure?.cause.kind === 'DeadlineExceeded' || result?.outcome === 'timed-out' ? 'timed-out' : 'failed';
  } else if (!job && pods.length === 0) {
    state = 'failed';
    failure = explained({ kind: 'Deleted' });
  } else {
    state = podState(newest);
    const stuck = newest ? explainPod(newest) : undefined;
    if (
      stuck &&
      stuck.cause.kind !== 'ExitCode' &&
      stuck.cause.kind !== 'Evicted' &&
      newest?.status?.phase === 'Pending'
    ) {
      state = 'failed';
      failure = stuck;
    }
  }
  const finished =
    job?.status?.completionTime ??
    jobCondition(job, 'Failed')?.lastTransitionTime ??
    jobCondition(job, 'Complete')?.lastTransitionTime;
  const branch = result?.branch ?? meta?.annotations?.[ANNOTATION_BRANCH];
  const title = job?.metadata?.annotations?.[ANNOTATION_TITLE];
  const feature = meta?.labels?.[LABEL_FEATURE];
  const created = timeString(job?.metadata?.creationTimestamp);
  const finishedAt = timeString(finished);
  const podName = newest?.metadata?.name;
  return {
    task,
    job: job?.metadata?.name ?? '',
    state,
    ...(failure ? { reason: failure.message, failure: failure.cause } : {}),
    ...(podName ? { pod: podName } : {}),
    ...(result ? { result } : {}),
    ...(title !== undefined ? { title } : {}),
    ...(feature ? { feature } : {}),
    ...(branch ? { branch } : {}),
    ...(result?.sha ? { sha: result.sha } : {}),
    ...(created ? { createdAt: created } : {}),
    ...(finishedAt ? { finishedAt } : {}),
  };
}

/** True for succeeded, failed and timed-out. */
export function isTerminalState(state: TaskState): boolean {
  return state === 'succeeded' || state === 'failed' || state === 'timed-out';
}
