import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { createInterface } from 'node:readline/promises';
import {
  createTerminalRenderer,
  LogMultiplexer,
  renderJson,
  secretValuesFromEnv,
} from '@agentic-sdlc/log-multiplexer';
import {
  buildTaskJob,
  cancelRun,
  followTaskLogs,
  launchJobs,
  ResumeCursor,
  type RunWatch,
  type TaskEvent,
  taskJobName,
  watchRun,
} from '@agentic-sdlc/pod-launcher';
import { secretEnvNames } from '@agentic-sdlc/secrets-config';
import type { Task, TaskGraph } from '@agentic-sdlc/tasks-parser';
import { branchName } from '@agentic-sdlc/worktree-manager';
import { shouldColor } from '../color.js';
import type { RunArgs } from '../commands/run.command.js';
import { CliError, EXIT, ExitError } from '../errors.js';
import { type RunFile, type RunKubeInfo, RunRecord } from '../run/run-record.js';
import { schedule, type TaskRunResult } from '../run/scheduler.js';
import { renderSummary } from '../run/summary.js';
import { SECRET_ENV_NAMES } from '../secret-env.js';
import { resolveRemoteBase } from './git.js';
import { connect, kubeCall, profileOf, toCliError } from './kube.js';
import { containerStarted, withoutResultLine } from './log-source.js';
import { createStatusLine, type StatusCounts } from './status-line.js';

/** How long a finished task's log follower may take to read the rest of the log. */
const LOG_DRAIN_MS = 15_000;
/** A second Ctrl-C within this window asks whether to cancel the run's Jobs. */
const SECOND_INTERRUPT_MS = 2000;

export interface K8sRunInput {
  args: RunArgs;
  graph: TaskGraph;
  /** tasks.md, absolute and relative to `root`. */
  file: string;
  relFile: string;
  root: string;
  /** Tasks of this run, in document order (attach: every task of the run). */
  selected: Task[];
  timeoutMs: number;
  runId: string;
  /** `attach`: the run record to continue. */
  resume?: RunFile;
  /** Mark done / write the delegation outcome, as the local executor does. */
  afterTask: (task: Task, result: TaskRunResult) => void;
}

type PodAnnotations = Record<string, Record<string, string>>;

/** `--pod-annotations '{"*": {…}, "T010": {…}}'` (or `@file.json`): extra pod annotations per task. */
export function parsePodAnnotations(value: string | undefined): PodAnnotations {
  if (!value) return {};
  const text = value.startsWith('@') ? readFileSync(value.slice(1), 'utf8') : value;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CliError(
      `--pod-annotations: not JSON (${(error as Error).message}); expected {"*": {"key": "value"}, "T010": {…}}`,
      'E_USAGE',
    );
  }
  const ok =
    parsed !== null &&
    typeof parsed === 'object' &&
    Object.values(parsed).every(
      (v) => v !== null && typeof v === 'object' && Object.values(v).every((x) => typeof x === 'string'),
    );
  if (!ok)
    throw new CliError(
      '--pod-annotations: expected an object of task id (or "*") → {annotation: string value}',
      'E_USAGE',
    );
  return parsed as PodAnnotations;
}

function terminal(state: string): boolean {
  return state === 'succeeded' || state === 'failed' || state === 'timed-out';
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Races `promise` against `ms`; the timer never outlives the race (it would hold the process open). */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<undefined>((r) => {
        timer = setTimeout(() => r(undefined), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The task's result from its terminal event, the runner's result (termination message or log line). */
export function resultOf(
  event: TaskEvent,
  fromLog: TaskRunResult | undefined,
  fallback: { branch: string; durationMs: number },
): TaskRunResult {
  const runner = (event.result as TaskRunResult | undefined) ?? fromLog;
  const common = {
    branch: runner?.branch ?? fallback.branch,
    baseSha: runner?.baseSha ?? null,
    sha: runner?.sha ?? null,
    pushed: runner?.pushed ?? false,
    filesChanged: runner?.filesChanged ?? [],
    durationMs: runner?.durationMs || fallback.durationMs,
    ...(runner?.tokens !== undefined ? { tokens: runner.tokens } : {}),
    ...(runner?.cost !== undefined ? { cost: runner.cost } : {}),
  };
  if (event.state === 'succeeded') {
    if (runner) return { ...common, outcome: runner.outcome, reason: runner.reason ?? null };
    return { ...common, outcome: 'succeeded', reason: 'the runner reported no result' };
  }
  if (event.state === 'timed-out')
    return { ...common, outcome: 'timed-out', reason: event.reason ?? runner?.reason ?? 'timed out' };
  return { ...common, outcome: 'failed', reason: event.reason ?? runner?.reason ?? 'failed' };
}

/**
 * The Kubernetes executor: one Job per ready [ASYNC] task through the same scheduler as the local executor,
 * one watch for the whole run, every pod's log in one multiplexed stream. Ctrl-C detaches (the Jobs go on;
 * `asdlc attach <run>` resumes from the saved log positions); a second Ctrl-C within 2 s offers to cancel.
 */
export async function runK8s(input: K8sRunInput): Promise<void> {
  const { args, graph, file, relFile, root, selected, timeoutMs, runId, resume } = input;
  const json = Boolean(args.json);
  const out = (text: string) => process.stdout.write(`${text}\n`);
  const info = (text: string) => (json ? undefined : process.stderr.write(`${text}\n`));

  const target = connect(args, resume?.kube);
  const profile = await profileOf(target);
  // The profile's parallelism is the platform team's cap: it is the default, and --parallel cannot exceed it.
  const parallel = Math.min(
    resume?.kube?.parallel ?? args.parallel ?? profile.parallelism,
    profile.parallelism,
  );
  if (args.parallel !== undefined && args.parallel > profile.parallelism) {
    info(
      `asdlc: --parallel ${args.parallel} exceeds the profile's cap of ${profile.parallelism} in ${target.namespace}; using ${parallel}`,
    );
  }
  const base = resume?.kube
    ? { repoUrl: resume.kube.repoUrl, branch: resume.kube.baseBranch, sha: resume.base }
    : resolveRemoteBase(root, {
        remote: args.remote,
        ...(args.base ? { base: args.base } : {}),
        ...(args.repoUrl ? { repoUrl: args.repoUrl } : {}),
      });
  const timeout = resume?.kube?.timeout ?? args.timeout;
  const startupAllowanceSeconds = resume?.kube?.startupAllowanceSeconds ?? args.startupAllowance;
  const taskTimeoutSeconds = Math.max(1, Math.ceil(timeoutMs / 1000));
  const annotations = parsePodAnnotations(args.podAnnotations);
  const feature = basename(dirname(file));
  const kube: RunKubeInfo = {
    namespace: target.namespace,
    ...(target.env ? { env: target.env } : {}),
    ...(target.kubeconfig ? { kubeconfig: target.kubeconfig } : {}),
    ...(target.context ? { context: target.context } : {}),
    repoUrl: base.repoUrl,
    baseBranch: base.branch,
    timeout,
    ...(startupAllowanceSeconds !== undefined ? { startupAllowanceSeconds } : {}),
    parallel: parallel,
  };
  const record = new RunRecord(
    root,
    {
      runId,
      executor: 'k8s',
      file: relFile,
      base: base.sha,
      tasks: selected.map((t) => ({ id: t.id, key: t.key, title: t.title, state: 'pending' })),
      kube,
    },
    resume,
  );
  const saved = new Map(record.data.tasks.map((t) => [t.key, { ...t }]));
  const taskBranch = (task: Task) =>
    branchName({ template: profile.branchTemplate, branch: base.branch, feature, task: task.id });

  // One stream for every pod's log, secrets redacted.
  const color = shouldColor(args.color, process.stdout);
  const mux = new LogMultiplexer({
    redact: secretValuesFromEnv([...SECRET_ENV_NAMES, ...secretEnvNames(profile)]),
  });
  const render = json
    ? renderJson
    : createTerminalRenderer({ color, prefixWidth: Math.max(...selected.map((t) => t.id.length)) });
  const statusLine = createStatusLine(runId, !json && Boolean(process.stderr.isTTY));
  const printing = (async () => {
    for await (const item of mux) {
      record.appendEvent(item);
      statusLine.around(() => out(render(item)));
    }
  })();

  // Task states from the one watch of the run.
  const byId = new Map(selected.map((t) => [t.id, t]));
  const states = new Map<string, string>();
  const terminalEvents = new Map<string, TaskEvent>();
  const waiting = new Map<string, (e: TaskEvent) => void>();
  const counts = (): StatusCounts => {
    const c: StatusCounts = { queued: 0, running: 0, done: 0, failed: 0 };
    for (const t of selected) {
      const entry = saved.get(t.key);
      const s = states.get(t.id) ?? (entry?.state === 'finished' ? (entry.outcome ?? 'done') : 'pending');
      if (s === 'running') c.running++;
      else if (s === 'succeeded' || s === 'no-changes') c.done++;
      else if (s === 'failed' || s === 'timed-out' || s === 'blocked' || s === 'cancelled') c.failed++;
      else c.queued++;
    }
    return c;
  };
  const onEvent = (event: TaskEvent) => {
    const task = byId.get(event.task);
    if (!task) return;
    const previous = states.get(event.task);
    states.set(event.task, event.state);
    if (terminal(event.state)) {
      terminalEvents.set(event.task, event);
      waiting.get(event.task)?.(event);
    } else if (previous !== event.state) {
      const detail = event.reason ?? (event.pod ? `pod ${event.pod}` : '');
      mux.status(event.task, event.state, `${event.task} ${event.state}${detail ? `: ${detail}` : ''}`);
    }
    statusLine.update(counts());
  };
  const terminalOf = (id: string) =>
    new Promise<TaskEvent>((resolve) => {
      const seen = terminalEvents.get(id);
      if (seen) resolve(seen);
      else waiting.set(id, resolve);
    });

  const watchAbort = new AbortController();
  const watch: RunWatch = await kubeCall(() =>
    watchRun({
      kc: target.kc,
      namespace: target.namespace,
      runId,
      onEvent,
      signal: watchAbort.signal,
      onError: (error, { recovering }) => {
        if (!recovering) info(`asdlc: watching run ${runId} failed: ${error.message}`);
      },
    }),
  );

  // Ctrl-C: detach; a second one within 2 s: cancel (asks on a TTY).
  let interrupts = 0;
  let firstInterruptAt = 0;
  let cancelRequested = false;
  const detached = deferred<void>();
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      firstInterruptAt = Date.now();
      process.stderr.write(
        `\nDetaching from run ${runId}: its Jobs keep running. Press Ctrl-C again within 2 s to cancel them.\n`,
      );
      detached.resolve();
    } else if (Date.now() - firstInterruptAt <= SECOND_INTERRUPT_MS) {
      cancelRequested = true;
    }
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  const detaching = () => interrupts > 0;

  const cursors = new Map<string, ResumeCursor>();
  const captured = new Map<string, { result?: TaskRunResult }>();
  const followers = new Map<string, { abort: AbortController; done: Promise<void> }>();
  const DETACHED: TaskRunResult = { outcome: 'cancelled', reason: 'detached' };

  const finish = (task: Task, result: TaskRunResult) => {
    if (detaching() && result.outcome === 'cancelled') return; // not started: attach starts it
    record.finished(task.key, result);
    states.set(task.id, result.outcome);
    const detail =
      result.outcome === 'succeeded'
        ? `${result.sha?.slice(0, 10) ?? ''}${result.pushed ? ` pushed to ${result.branch}` : ''}`
        : (result.reason ?? '');
    mux.status(task.id, result.outcome, `${task.id} ${result.outcome}${detail ? `: ${detail}` : ''}`, {
      ...result,
    });
    statusLine.update(counts());
    input.afterTask(task, result);
  };

  /** Follow the task's log into the multiplexer and wait for its Job to end. */
  const followAndWait = async (task: Task, startedAt: number): Promise<TaskRunResult> => {
    const entry = saved.get(task.key);
    const cursor = entry?.cursor ? ResumeCursor.from(entry.cursor) : new ResumeCursor();
    cursors.set(task.key, cursor);
    const got: { result?: TaskRunResult } = entry?.runnerResult ? { result: entry.runnerResult } : {};
    captured.set(task.key, got);
    const abort = new AbortController();
    const source = withoutResultLine(
      followTaskLogs({
        kc: target.kc,
        namespace: target.namespace,
        runId,
        task: task.id,
        cursor,
        signal: abort.signal,
        findPod: async () => watch.pod(task.id),
        statusCheckMs: 1000,
        retryMaxMs: 4000,
        maxRetries: 30,
      }),
      got,
    );
    const done = mux.addSource(task.id, source, taskJobName(runId, task.id)).catch((error: Error) => {
      const mapped = toCliError(error) as Error;
      info(`asdlc: the log of ${task.id} cannot be followed: ${mapped.message}`);
    });
    followers.set(task.key, { abort, done });
    const event = await Promise.race([terminalOf(task.id), detached.promise.then(() => undefined)]);
    if (!event) return DETACHED;
    // The follower reads the rest of a finished pod's log; a pod whose container never started has none.
    if (containerStarted(watch.pod(task.id))) await within(done, LOG_DRAIN_MS);
    abort.abort();
    await done;
    return resultOf(event, got.result, { branch: taskBranch(task), durationMs: Date.now() - startedAt });
  };

  const start = async (task: Task): Promise<TaskRunResult> => {
    const entry = saved.get(task.key);
    if (entry?.state === 'finished' && entry.outcome) {
      // attach: finished before (its result is in the record)
      return { ...entry, outcome: entry.outcome } as TaskRunResult;
    }
    const startedAt = entry?.startedAt ? new Date(entry.startedAt).getTime() : Date.now();
    if (entry?.state === 'running') {
      // attach: the Job was launched before the detach; it must still exist.
      if (!watch.snapshot().some((s) => s.task === task.id)) {
        const result: TaskRunResult = {
          outcome: 'failed',
          reason: `the Job ${entry.job ?? taskJobName(runId, task.id)} no longer exists (cancelled or cleaned up)`,
        };
        finish(task, result);
        return result;
      }
      mux.status(task.id, 'attached', `${task.id} attached: ${task.title}`);
    } else {
      record.started(task.key);
      const job = buildTaskJob({
        profile,
        namespace: target.namespace,
        runId,
        task: { id: task.id, title: task.title },
        feature,
        repoUrl: base.repoUrl,
        baseBranch: base.branch,
        tasksFile: relFile,
        branch: taskBranch(task),
        taskTimeoutSeconds,
        ...(startupAllowanceSeconds !== undefined ? { startupAllowanceSeconds } : {}),
        podAnnotations: { ...annotations['*'], ...annotations[task.id] },
      });
      record.update(task.key, { job: job.metadata?.name ?? '' });
      const launched = await launchJobs({ kc: target.kc, jobs: [job] });
      const failure = launched.failed[0];
      if (failure) {
        const result: TaskRunResult = {
          outcome: 'failed',
          reason: `cannot create the Job: ${(toCliError(failure.error) as Error).message}`,
        };
        finish(task, result);
        return result;
      }
      mux.status(
        task.id,
        'started',
        `${task.id} started: ${task.title} (Job ${job.metadata?.name}${launched.adopted.length ? ', adopted' : ''})`,
      );
    }
    const result = await followAndWait(task, startedAt);
    if (result !== DETACHED) finish(task, result);
    return result;
  };

  info(
    resume
      ? `Attached to run ${runId} (namespace ${target.namespace}): ${selected.length} task(s) from ${relFile}`
      : `Run ${runId}: ${selected.length} [ASYNC] task(s) from ${relFile}, at most ${parallel} at once, Jobs in namespace ${target.namespace} (base ${base.branch} @ ${base.sha.slice(0, 10)})`,
  );
  statusLine.update(counts());

  let results: Map<string, TaskRunResult>;
  try {
    results = await schedule({
      graph,
      selected,
      parallel: parallel,
      stopping: detaching,
      onSkipped: finish,
      start,
    });
  } finally {
    for (const f of followers.values()) f.abort.abort();
    await Promise.all([...followers.values()].map((f) => f.done));
    mux.close();
    await printing;
    statusLine.stop();
    watchAbort.abort();
    await watch.stop();
  }
  try {
    await afterRun(results);
  } finally {
    // Only now: a second Ctrl-C within 2 s of the first must still reach onSigint.
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }

  async function afterRun(results: Map<string, TaskRunResult>): Promise<void> {
    if (detaching()) {
      // Every line shown so far is counted in the cursors (the multiplexer is drained): save them for attach.
      for (const task of selected) {
        const cursor = cursors.get(task.key);
        const entry = record.data.tasks.find((t) => t.key === task.key);
        if (!cursor || entry?.state !== 'running') continue;
        const got = captured.get(task.key)?.result;
        record.update(task.key, { cursor: cursor.state(), ...(got ? { runnerResult: got } : {}) });
      }
      const left = SECOND_INTERRUPT_MS - (Date.now() - firstInterruptAt);
      if (left > 0 && !cancelRequested) {
        for (let waited = 0; waited < left && !cancelRequested; waited += 50) await sleep(50);
      }
      if (cancelRequested && (await confirmCancel(runId))) {
        const cancelled = await kubeCall(() =>
          cancelRun({ kc: target.kc, namespace: target.namespace, runId }),
        );
        for (const t of record.data.tasks)
          if (t.state !== 'finished')
            record.finished(t.key, { outcome: 'cancelled', reason: 'cancelled by the user (Ctrl-C twice)' });
        record.close('interrupted');
        process.stderr.write(`Cancelled run ${runId}: deleted ${cancelled.deleted.length} Job(s).\n`);
        if (json) out(JSON.stringify({ type: 'cancelled', runId, deleted: cancelled.deleted }));
        throw new ExitError(EXIT.interrupted);
      }
      record.close('detached');
      const command = `asdlc attach ${runId}`;
      process.stderr.write(
        `Detached from run ${runId}; its Jobs keep running in namespace ${target.namespace}.\nAttach again with: ${command}\n`,
      );
      if (json) out(JSON.stringify({ type: 'detached', runId, attach: command }));
      throw new ExitError(EXIT.interrupted);
    }

    const summary = {
      type: 'summary',
      runId,
      executor: 'k8s',
      namespace: target.namespace,
      file: relFile,
      base: base.sha,
      baseBranch: base.branch,
      tasks: selected.map((t) => ({ id: t.id, key: t.key, title: t.title, ...results.get(t.key) })),
    };
    record.close('finished');
    if (json) out(JSON.stringify(summary));
    else out(`\n${renderSummary(selected, results, color)}`);
    const allOk = selected.every((t) => results.get(t.key)?.outcome === 'succeeded');
    if (!allOk) throw new ExitError(EXIT.failure);
  }
}

/** A second Ctrl-C: on a terminal, ask; otherwise (scripts, CI) cancel. */
async function confirmCancel(runId: string): Promise<boolean> {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return true;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await within(rl.question(`Cancel run ${runId} (delete its Jobs)? [y/N] `), 30_000);
    return /^y(es)?$/i.test((answer ?? '').trim());
  } finally {
    rl.close();
  }
}
