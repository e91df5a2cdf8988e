import { listRuns, runStatus, type TaskStatus } from '@agentic-sdlc/pod-launcher';
import { shouldColor } from '../color.js';
import { CliError } from '../errors.js';
import { connect, kubeCall } from '../k8s/kube.js';
import { kubeFlagsGiven } from '../k8s/options.js';
import { findRun, ownerAlive, runsRoot } from '../k8s/runs.js';
import { type RunFile, readRun } from '../run/run-record.js';
import { formatDuration, renderTaskTable, type TaskRow } from '../run/summary.js';
import type { StatusArgs } from './status.command.js';

/** One task in `asdlc status --json` (fields may be added, none renamed). */
export interface StatusTaskView {
  id: string;
  title: string;
  /** pending | running | queued | scheduled | pulling | succeeded | failed | timed-out | no-changes | cancelled | blocked */
  state: string;
  outcome: string | null;
  branch: string | null;
  sha: string | null;
  durationMs: number | null;
  reason: string | null;
  job?: string;
  pod?: string;
}

export interface StatusView {
  runId: string;
  executor: 'local' | 'k8s';
  /** running | finished | interrupted | detached | stale (its process died while running) */
  state: string;
  file: string | null;
  namespace?: string;
  startedAt: string | null;
  finishedAt: string | null;
  tasks: StatusTaskView[];
}

function localView(run: RunFile): StatusView {
  const stale = run.state === 'running' && !ownerAlive(run);
  return {
    runId: run.runId,
    executor: run.executor,
    state: stale ? 'stale' : run.state,
    file: run.file,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    tasks: run.tasks.map((t) => ({
      id: t.id,
      title: t.title,
      state: t.state === 'finished' ? (t.outcome ?? 'finished') : stale ? 'stale' : t.state,
      outcome: t.outcome ?? null,
      branch: t.branch ?? null,
      sha: t.sha ?? null,
      durationMs: t.durationMs ?? null,
      reason: t.reason ?? null,
    })),
  };
}

function clusterTask(s: TaskStatus, entry?: RunFile['tasks'][number]): StatusTaskView {
  const finished = entry?.state === 'finished' ? entry : undefined;
  const durationMs =
    finished?.durationMs ??
    (s.createdAt ? (s.finishedAt ? Date.parse(s.finishedAt) : Date.now()) - Date.parse(s.createdAt) : null);
  return {
    id: s.task,
    title: entry?.title ?? s.title ?? '',
    state: s.state,
    outcome: finished?.outcome ?? s.result?.outcome ?? null,
    branch: s.branch ?? finished?.branch ?? null,
    sha: s.sha ?? finished?.sha ?? null,
    durationMs,
    reason: s.reason ?? finished?.reason ?? null,
    job: s.job,
    ...(s.pod ? { pod: s.pod } : {}),
  };
}

async function k8sView(run: RunFile, args: StatusArgs): Promise<StatusView> {
  const target = connect(args, run.kube);
  const statuses = await kubeCall(() =>
    runStatus({ kc: target.kc, namespace: target.namespace, runId: run.runId }),
  );
  const byId = new Map(statuses.map((s) => [s.task, s]));
  const view = localView(run);
  // The cluster is the truth for launched tasks; the record for the rest (not started, blocked, cleaned up).
  view.state = run.state === 'running' && !ownerAlive(run) ? 'detached' : run.state;
  view.namespace = target.namespace;
  view.tasks = run.tasks.map((t) => {
    const s = byId.get(t.id);
    if (s) return clusterTask(s, t);
    const local = view.tasks.find((v) => v.id === t.id) as StatusTaskView;
    return t.state === 'running' ? { ...local, state: 'gone', reason: 'the Job no longer exists' } : local;
  });
  return view;
}

/** A run that has no record here (started on another machine): the cluster alone. */
async function clusterOnlyView(runId: string, args: StatusArgs): Promise<StatusView> {
  const target = connect(args);
  const statuses = await kubeCall(() => runStatus({ kc: target.kc, namespace: target.namespace, runId }));
  if (statuses.length === 0)
    throw new CliError(`no Jobs of run "${runId}" in namespace ${target.namespace}`, 'E_NO_RUN');
  const running = statuses.some((s) => !['succeeded', 'failed', 'timed-out'].includes(s.state));
  return {
    runId,
    executor: 'k8s',
    state: running ? 'running' : 'finished',
    file: null,
    namespace: target.namespace,
    startedAt: statuses.map((s) => s.createdAt ?? '').sort()[0] || null,
    finishedAt: null,
    tasks: statuses.map((s) => clusterTask(s)),
  };
}

const STATE_STYLE: Record<string, 'green' | 'yellow' | 'red' | 'cyan'> = {
  succeeded: 'green',
  'no-changes': 'yellow',
  failed: 'red',
  'timed-out': 'red',
  gone: 'red',
  stale: 'red',
  cancelled: 'yellow',
  blocked: 'yellow',
  running: 'cyan',
};

export function renderStatus(view: StatusView, color: boolean): string {
  const where = view.executor === 'k8s' ? `k8s, namespace ${view.namespace}` : 'local';
  const head = `Run ${view.runId} (${where}) ${view.state}${view.file ? ` · ${view.file}` : ''}${
    view.startedAt ? ` · started ${view.startedAt}` : ''
  }`;
  const rows: TaskRow[] = view.tasks.map((t) => ({
    task: t.id,
    state: t.state,
    branch: t.branch ?? '-',
    sha: t.sha ? t.sha.slice(0, 10) : '-',
    time: formatDuration(t.durationMs ?? undefined),
    details: t.reason ?? t.title,
  }));
  const counts = new Map<string, number>();
  for (const t of view.tasks) counts.set(t.state, (counts.get(t.state) ?? 0) + 1);
  const tally = [...counts].map(([s, n]) => `${n} ${s}`).join(' · ');
  return [
    head,
    '',
    ...renderTaskTable(rows, { stateTitle: 'STATE', styles: STATE_STYLE, color }),
    '',
    tally,
  ].join('\n');
}

export async function runStatusCommand(args: StatusArgs): Promise<void> {
  const root = runsRoot();
  const json = args.json ?? !process.stdout.isTTY;
  let view: StatusView;
  if (args.run && !readRun(root, args.run) && kubeFlagsGiven(args)) {
    view = await clusterOnlyView(args.run, args);
  } else if (!args.run && kubeFlagsGiven(args) && !safeLatest(root)) {
    // Nothing on disk: list the runs the cluster has.
    const target = connect(args);
    const runs = await kubeCall(() => listRuns({ kc: target.kc, namespace: target.namespace }));
    if (json) process.stdout.write(`${JSON.stringify({ namespace: target.namespace, runs }, null, 2)}\n`);
    else
      process.stdout.write(
        `${runs.length ? runs.map((r) => `${r.runId}  ${r.tasks} task(s): ${r.active} active, ${r.succeeded} succeeded, ${r.failed} failed`).join('\n') : `no runs in namespace ${target.namespace}`}\n`,
      );
    return;
  } else {
    const run = findRun(root, args.run);
    view = run.executor === 'k8s' ? await k8sView(run, args) : localView(run);
  }
  process.stdout.write(
    json ? `${JSON.stringify(view, null, 2)}\n` : `${renderStatus(view, shouldColor(args.color))}\n`,
  );
}

function safeLatest(root: string): RunFile | null {
  try {
    return findRun(root, undefined);
  } catch {
    return null;
  }
}
