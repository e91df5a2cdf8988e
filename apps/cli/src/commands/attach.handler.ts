import { join } from 'node:path';
import { parseDuration } from '@agentic-sdlc/secrets-config';
import type { Task } from '@agentic-sdlc/tasks-parser';
import { CliError } from '../errors.js';
import { findRun, ownerAlive, runsRoot } from '../k8s/runs.js';
import type { AttachArgs } from './attach.command.js';
import type { RunArgs } from './run.command.js';
import { loadGraph } from './tasks.handler.js';

export async function runAttach(args: AttachArgs): Promise<void> {
  const root = runsRoot();
  const run = findRun(root, args.run);
  if (run.executor !== 'k8s' || !run.kube) {
    throw new CliError(
      `run ${run.runId} ran locally: there is nothing to attach to. Follow it with: asdlc logs --run ${run.runId} -f`,
      'E_NOT_K8S',
    );
  }
  if (run.state === 'running' && ownerAlive(run)) {
    throw new CliError(
      `run ${run.runId} is still followed by process ${run.pid}. Stop that one first (Ctrl-C detaches), or watch it with: asdlc logs --run ${run.runId} -f`,
      'E_ATTACHED',
    );
  }
  const { graph, file } = loadGraph(join(root, run.file), root);
  const selected = run.tasks.map((entry): Task => {
    const task = graph.tasks.find((t) => t.key === entry.key) ?? graph.tasks.find((t) => t.id === entry.id);
    if (!task)
      throw new CliError(
        `task ${entry.id} of run ${run.runId} is no longer in ${run.file}; see the run with: asdlc status ${run.runId}`,
        'E_UNKNOWN_TASK',
      );
    return { ...task, key: entry.key };
  });
  const runArgs: RunArgs = {
    executor: 'k8s',
    parallel: args.parallel ?? run.kube.parallel ?? 4,
    timeout: run.kube.timeout,
    markDone: args.markDone,
    remote: 'origin',
    runId: run.runId,
    ...(args.json ? { json: true } : {}),
    ...(args.color ? { color: args.color } : {}),
    ...(args.env ? { env: args.env } : {}),
    ...(args.namespace ? { namespace: args.namespace } : {}),
    ...(args.kubeconfig ? { kubeconfig: args.kubeconfig } : {}),
    ...(args.context ? { context: args.context } : {}),
  };
  const [{ runK8s }, { recordTaskOutcome }] = await Promise.all([
    import('../k8s/run-k8s.js'),
    import('../run/run.handler.js'),
  ]);
  await runK8s({
    args: runArgs,
    graph,
    file,
    relFile: run.file,
    root,
    selected,
    timeoutMs: parseDuration(run.kube.timeout),
    runId: run.runId,
    resume: run,
    afterTask: (task, result) => recordTaskOutcome(file, task, result, args.markDone),
  });
}
