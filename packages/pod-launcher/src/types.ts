/** Types of `@agentic-sdlc/pod-launcher`. Runtime-free. */

import type { RunnerProfile } from '@agentic-sdlc/secrets-config';
import type { KubeConfig, V1Job, V1Pod } from '@kubernetes/client-node';
import type { ResumeCursor } from './_lines.js';

/** Environments with a release under `releases/agentic-sdlc-agent-runner-<env>`. */
export type RunnerEnv = 'dev' | 'stg' | 'prod';

/** Input of `buildTaskJob`. */
export interface BuildTaskJobInput {
  profile: RunnerProfile;
  namespace: string;
  /** Run id (`agentic-sdlc.dev/run` label; part of the Job name). */
  runId: string;
  task: { id: string; title: string };
  /** Feature (spec folder name, e.g. `001-greeter`). */
  feature: string;
  /** Git URL the runner clones. */
  repoUrl: string;
  /** Base branch of the task branch. */
  baseBranch: string;
  /** tasks.md path, relative to the repository root. */
  tasksFile: string;
  /** The task branch the runner will push (resolved from the profile's branchTemplate by the caller). */
  branch: string;
  /** Overrides the profile's image. */
  image?: string;
  /** Overrides the profile's taskTimeout (seconds). */
  taskTimeoutSeconds?: number;
  /** Added to the task timeout for `activeDeadlineSeconds` (image pull, clone). Default 600. */
  startupAllowanceSeconds?: number;
  /** Extra pod annotations (merged over the profile's podAnnotations; tests use them to drive kwok). */
  podAnnotations?: Record<string, string>;
  /** Extra pod labels (merged over the profile's podLabels; never overrides the tool's own labels). */
  podLabels?: Record<string, string>;
  /** Agent runner command (default `['asdlc-agent']`). */
  command?: string[];
}

/** Outcome of the in-pod runner (`asdlc-agent run-task`), as written to the termination message. */
/** The runner's result JSON (read from the container's `terminated.message`). */
/** The agent runner's result (the contract lives in `@agentic-sdlc/secrets-config`). */
export type { RunnerOutcome, RunnerResult } from '@agentic-sdlc/secrets-config';

import type { RunnerResult } from '@agentic-sdlc/secrets-config';

/** A task's state as the launcher sees it. */
export type TaskState = 'queued' | 'scheduled' | 'pulling' | 'running' | 'succeeded' | 'failed' | 'timed-out';

/** Why a task failed (closed union; `formatFailure` renders each kind). */
export type FailureCause =
  | { kind: 'ImagePull'; image: string; waitingReason: string; detail: string }
  | { kind: 'CreateContainerConfig'; secret?: string; key?: string; detail: string }
  | { kind: 'OOMKilled'; memoryLimit?: string }
  | { kind: 'DeadlineExceeded'; seconds?: number }
  | { kind: 'Evicted'; detail: string }
  | { kind: 'BackoffLimitExceeded'; failures?: number; backoffLimit?: number; lastExitCode?: number }
  | { kind: 'PodFailurePolicy'; detail: string }
  | { kind: 'ExitCode'; exitCode: number; detail?: string }
  | { kind: 'StartError'; detail: string }
  | { kind: 'Forbidden'; user?: string; verb: string; resource: string; namespace: string }
  | { kind: 'Deleted' }
  | { kind: 'Unknown'; detail: string };

export type FailureKind = FailureCause['kind'];

/** `explainFailure`'s answer: the cause and its readable message. */
export interface FailureExplanation {
  cause: FailureCause;
  /** One readable line, e.g. `timed out after 2h10m (the Job's activeDeadlineSeconds)`. */
  message: string;
  /** The pod the cause was read from, if any. */
  pod?: string;
}

/** A task event of `watchRun`. */
export interface TaskEvent {
  task: string;
  state: TaskState;
  /** Readable reason (failed, timed-out, and stuck waiting states). */
  reason?: string;
  /** The failure cause behind `reason`. */
  failure?: FailureCause;
  /** Current pod of the task. */
  pod?: string;
  /** The runner's result (terminated container's message), when present. */
  result?: RunnerResult;
}

/** Per-task status (`runStatus`, `RunWatch.snapshot`). */
export interface TaskStatus extends TaskEvent {
  job: string;
  title?: string;
  feature?: string;
  /** Task branch (the runner's result, else the Job's annotation). */
  branch?: string;
  /** Commit the runner pushed. */
  sha?: string;
  createdAt?: string;
  finishedAt?: string;
}

/** One run (`listRuns`). */
export interface RunSummary {
  runId: string;
  feature?: string;
  createdAt?: string;
  tasks: number;
  active: number;
  succeeded: number;
  failed: number;
}

export interface KubeContextOptions {
  kc: KubeConfig;
  namespace: string;
}

export interface LoadKubeConfigOptions {
  /** Path of a kubeconfig file (default: `KUBECONFIG` / `~/.kube/config` / in-cluster). */
  kubeconfig?: string;
  /** Context to use (default: the kubeconfig's current context). */
  context?: string;
}

export interface LoadProfileOptions extends KubeContextOptions {
  /** Environment, for the error message (default: derived from `agent-runner-<env>`). */
  env?: string;
  /** ConfigMap name (default `PROFILE_CONFIGMAP_NAME`). */
  name?: string;
}

export interface LaunchJobsOptions {
  kc: KubeConfig;
  /** Jobs from `buildTaskJob` (each carries its namespace). */
  jobs: V1Job[];
  /** Concurrent create requests (default 16). */
  concurrency?: number;
  /** Retries of transient failures (5xx, 429, network) per Job (default 3). */
  retries?: number;
  signal?: AbortSignal;
}

export interface LaunchFailure {
  job: V1Job;
  error: Error;
}

export interface LaunchResult {
  created: V1Job[];
  /** Jobs that already existed for the same run and task (a repeated `run`). */
  adopted: V1Job[];
  failed: LaunchFailure[];
}

export interface WatchRunOptions extends KubeContextOptions {
  runId: string;
  /** Called on every change of a task's state, reason or pod. */
  onEvent: (event: TaskEvent) => void;
  /** Called for errors the watch cannot recover from (Forbidden) and for restarts (`recovering: true`). */
  onError?: (error: Error, info: { recovering: boolean }) => void;
  signal?: AbortSignal;
  /** Informer restart backoff after an error (default 1000 → 30000 ms, with jitter). */
  restartMinMs?: number;
  restartMaxMs?: number;
}

/** A running `watchRun`. */
export interface RunWatch {
  /** Current status of every task seen. */
  snapshot(): TaskStatus[];
  /** Resolves when every given task (default: every task seen) is succeeded, failed or timed-out. */
  settled(taskIds?: string[], options?: { timeoutMs?: number }): Promise<TaskStatus[]>;
  /** The task's newest pod from the pod informer's cache (no request): a `findPod` for `followTaskLogs`. */
  pod(taskId: string): V1Pod | undefined;
  /** Stop both informers. */
  stop(): Promise<void>;
  /** Settles when the watch stops: resolves on stop/abort, rejects on an unrecoverable error. */
  readonly done: Promise<void>;
}

/** One log line, in `LogMultiplexer.addSource`'s shape. */
export interface LogLine {
  line: string;
  /** RFC3339Nano timestamp from the kubelet. */
  ts: string;
  stream: 'stdout';
}

/** Looks up the task's current pod (default: list pods by run+task label, newest first). */
export type PodFinder = () => Promise<V1Pod | undefined>;

export interface FollowTaskLogsOptions extends KubeContextOptions {
  runId: string;
  task: string;
  signal?: AbortSignal;
  /** Start from this time (RFC3339 or Date). */
  sinceTime?: string | Date;
  /** Start this many seconds back. */
  sinceSeconds?: number;
  /** Start with the last N lines. */
  tailLines?: number;
  /** Container (default `agent`). */
  container?: string;
  /** Reconnect when a running pod's stream is silent this long (default 60000 ms). */
  idleTimeoutMs?: number;
  /** Check the pod's phase after this much silence (default 3000 ms). */
  statusCheckMs?: number;
  /** Poll interval while waiting for a pod or its container to start (default 1000 ms). */
  pollMs?: number;
  /** Consecutive failed connects before giving up (default 12). */
  maxRetries?: number;
  /** Reconnect backoff (default 250 → 8000 ms, full jitter). */
  retryMinMs?: number;
  retryMaxMs?: number;
  /** Called when the followed pod changes (first pod, or a retried Job's new pod). */
  onPod?: (pod: V1Pod) => void;
  /** Called on each reconnect (for diagnostics). */
  onReconnect?: (info: { pod: string; sinceTime?: string; skip: number; cause: string }) => void;
  /** Override the pod lookup, e.g. `async () => watch.pod(task)` to use `watchRun`'s pod informer. */
  findPod?: PodFinder;
  /**
   * Resume position for the first pod followed (mutated as lines are emitted): keep it to detach, and
   * pass `ResumeCursor.from(saved)` to re-attach with no line lost or repeated. Overrides since/tail.
   */
  cursor?: ResumeCursor;
}

export interface ReadTaskLogsOptions extends KubeContextOptions {
  runId: string;
  task: string;
  signal?: AbortSignal;
  sinceTime?: string | Date;
  sinceSeconds?: number;
  tailLines?: number;
  container?: string;
  /** Read every pod of the task (retries), oldest first; default only the newest. */
  allPods?: boolean;
}

export interface CancelRunOptions extends KubeContextOptions {
  runId: string;
  /** Only these tasks (default: every task of the run). */
  taskIds?: string[];
  /** Default `Background`. */
  propagationPolicy?: 'Foreground' | 'Background';
}

export interface CancelResult {
  deleted: string[];
  /** Requested tasks that have no Job. */
  missing: string[];
}

export interface CleanupJobsOptions extends KubeContextOptions {
  /** Delete finished Jobs that finished longer ago than this (ms, or a duration such as `24h`). */
  olderThan: number | string;
  /** Default `Date.now()`. */
  now?: number;
  /** Only report, delete nothing. */
  dryRun?: boolean;
}

export interface CleanupResult {
  deleted: string[];
  /** Jobs of this tool that are still active or finished too recently. */
  kept: string[];
}

export interface RunStatusOptions extends KubeContextOptions {
  runId: string;
}
