import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import {
  createTerminalRenderer,
  LogMultiplexer,
  renderJson,
  secretValuesFromEnv,
} from '@agentic-sdlc/log-multiplexer';
import { parseDuration } from '@agentic-sdlc/secrets-config';
import { markDone, type Task } from '@agentic-sdlc/tasks-parser';
import { MergeConflictError } from '@agentic-sdlc/worktree-manager';
import type { ResultPromise } from 'execa';
import { shouldColor } from '../color.js';
import type { RunArgs } from '../commands/run.command.js';
import { loadGraph } from '../commands/tasks.handler.js';
import { CliError, EXIT, ExitError } from '../errors.js';
import { SECRET_ENV_NAMES } from '../secret-env.js';
import { runLocalTask } from './local-executor.js';
import { assertCleanFeature, requireRemote, resolveBase, selectTasks } from './preflight.js';
import { RunRecord } from './run-record.js';
import { schedule, type TaskRunResult } from './scheduler.js';
import { renderSummary } from './summary.js';
import { baseForTask } from './task-base.js';

/** Agents at once for the local executor when --parallel is not given. */
const LOCAL_PARALLEL = 4;

export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `r${stamp}-${Math.random().toString(36).slice(2, 6)}`;
}

/** spec-kit fork protocol: `<feature>/.async_state/delegation_{completed,errors}/<TID>.txt`. */
function writeDelegationOutcome(featureDir: string, task: Task, result: TaskRunResult): void {
  const state = join(featureDir, '.async_state');
  try {
    readFileSync(join(state, 'delegation_prompts', `${task.id}.md`));
  } catch {
    return;
  }
  const ok = result.outcome === 'succeeded';
  const dir = join(state, ok ? 'delegation_completed' : 'delegation_errors');
  mkdirSync(dir, { recursive: true });
  const text = ok
    ? `completed by asdlc: branch ${result.branch} commit ${result.sha}\n`
    : `${result.outcome}: ${result.reason ?? 'no reason given'}\n`;
  writeFileSync(join(dir, `${task.id}.txt`), text);
}

/**
 * `--detach`: the same command runs again in the background (its own session, output in the run folder)
 * and this one prints the run id at once; `asdlc status` / `asdlc logs` follow it.
 */
function detach(runId: string, root: string): void {
  const dir = join(root, '.agentic-sdlc', 'runs', runId);
  mkdirSync(dir, { recursive: true });
  const argv = process.argv.slice(2).filter((a) => a !== '--detach' && a !== '--json');
  const output = openSync(join(dir, 'output.log'), 'a');
  const child = spawn(process.execPath, [process.argv[1]!, ...argv, '--run-id', runId, '--color', 'never'], {
    cwd: process.cwd(),
    detached: true,
    stdio: ['ignore', output, output],
  });
  child.unref();
  closeSync(output);
  const info = { runId, pid: child.pid, dir };
  process.stdout.write(
    process.stdout.isTTY && !process.argv.includes('--json')
      ? `Run ${runId} started in the background (pid ${child.pid}).\nFollow it: asdlc status ${runId} · asdlc logs --run ${runId} -f\n`
      : `${JSON.stringify(info)}\n`,
  );
}

/** After a task ends (both executors): mark it done in tasks.md when pushed, write the fork's outcome file. */
export function recordTaskOutcome(file: string, task: Task, result: TaskRunResult, mark: boolean): void {
  if (result.outcome === 'succeeded' && result.pushed && mark) {
    writeFileSync(file, markDone(readFileSync(file, 'utf8'), task.key));
  }
  writeDelegationOutcome(dirname(file), task, result);
}

export async function runRun(args: RunArgs): Promise<void> {
  const cwd = process.cwd();
  const { graph, file, root } = loadGraph(args.path, cwd);
  const relFile = relative(root, file);
  const errors = graph.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length) {
    const list = errors.map((d) => `  ${relFile}:${d.line}:${d.column} ${d.message}`).join('\n');
    throw new CliError(
      `${relFile} has errors; fix them before running:\n${list}`,
      'E_TASKS_INVALID',
      EXIT.failure,
    );
  }
  let timeoutMs: number;
  try {
    timeoutMs = parseDuration(args.timeout);
  } catch (error) {
    throw new CliError(
      `--timeout ${args.timeout}: ${(error as Error).message} (e.g. 90s, 30m, 2h)`,
      'E_USAGE',
    );
  }
  const selected = selectTasks(graph, relFile, args.tasks, args.forceSync);
  const json = Boolean(args.json);
  const out = (text: string) => process.stdout.write(`${text}\n`);
  const info = (text: string) => (json ? undefined : process.stderr.write(`${text}\n`));

  if (selected.length === 0) {
    info(`No open [ASYNC] tasks in ${relFile}. Mark tasks [ASYNC] or name them with --tasks.`);
    if (json) out(JSON.stringify({ type: 'summary', runId: null, tasks: [] }));
    return;
  }
  if (args.dryRun) {
    const lines = selected.map((t) => `${t.id}  ${t.title}`);
    if (json)
      out(
        JSON.stringify({
          type: 'plan',
          tasks: selected.map((t) => ({ id: t.id, key: t.key, title: t.title })),
        }),
      );
    else
      out(
        `Would run ${selected.length} task(s) from ${relFile} (at most ${args.parallel ?? LOCAL_PARALLEL} at once):\n${lines.join('\n')}`,
      );
    return;
  }

  if (args.executor === 'k8s') {
    if (!args.allowDirty) assertCleanFeature(root, dirname(file), file);
    const runId = args.runId ?? newRunId();
    if (args.detach) {
      detach(runId, root);
      return;
    }
    const { runK8s } = await import('../k8s/run-k8s.js');
    await runK8s({
      args,
      graph,
      file,
      relFile,
      root,
      selected,
      timeoutMs,
      runId,
      afterTask: (task, result) => recordTaskOutcome(file, task, result, args.markDone),
    });
    return;
  }
  requireRemote(root, args.remote);
  if (!args.allowDirty) assertCleanFeature(root, dirname(file), file);
  const base = resolveBase(root, args.base);
  const runId = args.runId ?? newRunId();
  if (args.detach) {
    detach(runId, root);
    return;
  }
  const record = new RunRecord(root, {
    runId,
    executor: 'local',
    file: relFile,
    base: base.sha,
    tasks: selected.map((t) => ({ id: t.id, key: t.key, title: t.title, state: 'pending' })),
  });

  const color = shouldColor(args.color, process.stdout);
  const mux = new LogMultiplexer({ redact: secretValuesFromEnv(SECRET_ENV_NAMES) });
  const render = json
    ? renderJson
    : createTerminalRenderer({ color, prefixWidth: Math.max(...selected.map((t) => t.id.length)) });
  const printing = (async () => {
    for await (const item of mux) {
      record.appendEvent(item);
      out(render(item));
    }
  })();

  const children = new Set<ResultPromise>();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      info('\nStopping: agents get SIGTERM, committed work is kept. Press Ctrl-C again to kill them.');
      for (const child of children) child.kill('SIGTERM');
    } else {
      for (const child of children) child.kill('SIGKILL');
    }
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);

  info(
    `Run ${runId}: ${selected.length} [ASYNC] task(s) from ${relFile}, at most ${args.parallel ?? LOCAL_PARALLEL} at once (local executor)`,
  );
  const ctx = {
    mux,
    repo: root,
    tasksFile: relFile,
    baseRef: base.sha,
    runId,
    timeoutMs,
    timeout: args.timeout,
    remote: args.remote,
    agentCmd: args.agentCmd,
    model: args.model,
    keepWorktree: args.keepWorktree,
    rerun: args.rerun,
    children,
  };
  /** Task key → commit, for tasks that build on tasks finished in this run. */
  const succeeded = new Map<string, string>();
  const finish = (task: Task, result: TaskRunResult) => {
    record.finished(task.key, result);
    const detail =
      result.outcome === 'succeeded'
        ? `${result.sha?.slice(0, 10) ?? ''} pushed to ${result.branch}`
        : (result.reason ?? '');
    mux.status(task.id, result.outcome, `${task.id} ${result.outcome}${detail ? `: ${detail}` : ''}`, {
      ...result,
    });
    recordTaskOutcome(file, task, result, args.markDone);
  };

  let results: Map<string, TaskRunResult>;
  try {
    results = await schedule({
      graph,
      selected,
      parallel: args.parallel ?? LOCAL_PARALLEL,
      stopping: () => interrupts > 0,
      onSkipped: finish,
      start: async (task) => {
        record.started(task.key);
        mux.status(task.id, 'started', `${task.id} started: ${task.title}`);
        let result: TaskRunResult;
        try {
          const taskBase = await baseForTask({ repo: root, graph, task, runBase: base.sha, succeeded });
          if (taskBase.builtOn.length > 0) {
            mux.status(
              task.id,
              'base',
              `${task.id} builds on ${taskBase.builtOn.join(', ')} (base ${taskBase.sha.slice(0, 10)})`,
            );
          }
          result = await runLocalTask(task, { ...ctx, baseRef: taskBase.sha });
        } catch (error) {
          if (!(error instanceof MergeConflictError)) throw error;
          result = { outcome: 'blocked', reason: `not started: ${error.message}` };
        }
        if (result.outcome === 'succeeded' && result.sha) succeeded.set(task.key, result.sha);
        finish(task, result);
        return result;
      },
    });
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    mux.close();
    await printing;
  }

  const summary = {
    type: 'summary',
    runId,
    file: relFile,
    base: base.sha,
    tasks: selected.map((t) => ({ id: t.id, key: t.key, title: t.title, ...results.get(t.key) })),
  };
  record.close(interrupts > 0 ? 'interrupted' : 'finished');
  if (json) out(JSON.stringify(summary));
  else out(`\n${renderSummary(selected, results, color)}`);

  if (interrupts > 0) throw new ExitError(EXIT.interrupted);
  const allOk = selected.every((t) => results.get(t.key)?.outcome === 'succeeded');
  if (!allOk) throw new ExitError(EXIT.failure);
}
