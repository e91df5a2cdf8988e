import { cancelRun } from '@agentic-sdlc/pod-launcher';
import { CliError } from '../errors.js';
import { connect, kubeCall } from '../k8s/kube.js';
import { kubeFlagsGiven } from '../k8s/options.js';
import { findRun, ownerAlive, runsRoot } from '../k8s/runs.js';
import { patchRun, type RunFile, readRun } from '../run/run-record.js';
import type { CancelArgs } from './cancel.command.js';

interface CancelView {
  runId: string;
  executor: 'local' | 'k8s';
  tasks: string[] | 'all';
  deleted: string[];
  missing: string[];
  signalled?: number;
}

function print(view: CancelView, json: boolean | undefined): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(view)}\n`);
    return;
  }
  const what = view.tasks === 'all' ? `run ${view.runId}` : `${view.tasks.join(', ')} of run ${view.runId}`;
  const lines = [
    view.executor === 'k8s'
      ? `Cancelled ${what}: deleted ${view.deleted.length} Job(s)${view.deleted.length ? ` (${view.deleted.join(', ')})` : ''}.`
      : `Cancelled ${what}: sent SIGTERM to process ${view.signalled} (agents stop, committed work is kept).`,
  ];
  if (view.missing.length) lines.push(`No Job for: ${view.missing.join(', ')}.`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function cancelK8s(
  root: string,
  run: RunFile | null,
  runId: string,
  taskIds: string[] | undefined,
  args: CancelArgs,
) {
  const target = connect(args, run?.kube);
  const result = await kubeCall(() =>
    cancelRun({
      kc: target.kc,
      namespace: target.namespace,
      runId,
      ...(taskIds ? { taskIds } : {}),
    }),
  );
  if (run && !(run.state === 'running' && ownerAlive(run))) {
    // Nobody follows the run: record the cancellation (a following `run`/`attach` records it itself).
    patchRun(root, runId, (r) => {
      for (const t of r.tasks) {
        if (t.state === 'finished' || (taskIds && !taskIds.includes(t.id))) continue;
        Object.assign(t, { state: 'finished', outcome: 'cancelled', reason: 'cancelled with asdlc cancel' });
      }
      if (r.tasks.every((t) => t.state === 'finished')) {
        r.state = 'finished';
        r.finishedAt = new Date().toISOString();
      }
    });
  }
  print(
    {
      runId,
      executor: 'k8s',
      tasks: taskIds ?? 'all',
      deleted: result.deleted,
      missing: result.missing,
    },
    args.json,
  );
}

export async function runCancel(args: CancelArgs): Promise<void> {
  const root = runsRoot();
  const asRun = readRun(root, args.target);
  if (asRun) {
    if (asRun.executor === 'k8s') return cancelK8s(root, asRun, asRun.runId, undefined, args);
    if (asRun.state !== 'running' || !ownerAlive(asRun))
      throw new CliError(`run ${asRun.runId} is not running (state ${asRun.state})`, 'E_NOT_RUNNING');
    process.kill(asRun.pid, 'SIGTERM');
    print(
      { runId: asRun.runId, executor: 'local', tasks: 'all', deleted: [], missing: [], signalled: asRun.pid },
      args.json,
    );
    return;
  }
  // A task id of a run on disk…
  const run = args.run || !kubeFlagsGiven(args) ? findRun(root, args.run) : null;
  const task = run?.tasks.find((t) => t.id.toLowerCase() === args.target.toLowerCase());
  if (run && task) {
    if (run.executor !== 'k8s')
      throw new CliError(
        `run ${run.runId} is local: its tasks cannot be cancelled one by one; cancel the run: asdlc cancel ${run.runId}`,
        'E_NOT_K8S',
      );
    return cancelK8s(root, run, run.runId, [task.id], args);
  }
  // …or a k8s run started elsewhere.
  if (kubeFlagsGiven(args)) return cancelK8s(root, null, args.target, undefined, args);
  throw new CliError(
    `"${args.target}" is neither a run in ${root}/.agentic-sdlc/runs nor a task of run ${run?.runId ?? '(none)'}` +
      `${run ? ` (tasks: ${run.tasks.map((t) => t.id).join(', ')})` : ''}.\nFor a k8s run started elsewhere, add --env <env> or --namespace <ns>.`,
    'E_NO_RUN',
  );
}
