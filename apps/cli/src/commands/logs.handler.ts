import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  createRedactor,
  createTerminalRenderer,
  LogMultiplexer,
  type MuxRecord,
  renderJson,
  secretValuesFromEnv,
} from '@agentic-sdlc/log-multiplexer';
import { followTaskLogs, readTaskLogs, runStatus } from '@agentic-sdlc/pod-launcher';
import { parseDuration, parseResultLine, secretEnvNames } from '@agentic-sdlc/secrets-config';
import { shouldColor } from '../color.js';
import { CliError, EXIT, ExitError } from '../errors.js';
import { connect, type KubeTarget, kubeCall, profileOf, toCliError } from '../k8s/kube.js';
import { withoutResultLine } from '../k8s/log-source.js';
import { kubeFlagsGiven } from '../k8s/options.js';
import { findRun, ownerAlive, runsRoot } from '../k8s/runs.js';
import { EVENTS_FILE, type RunFile, readRun, runsDir } from '../run/run-record.js';
import { SECRET_ENV_NAMES } from '../secret-env.js';
import type { LogsArgs } from './logs.command.js';

function sinceMs(since: string | undefined): number | undefined {
  if (since === undefined) return undefined;
  try {
    return parseDuration(since);
  } catch (error) {
    throw new CliError(`--since ${since}: ${(error as Error).message} (e.g. 30s, 10m, 2h)`, 'E_USAGE');
  }
}

/** The task ids asked for, validated against the run's tasks (case-insensitive). */
function pickTasks(wanted: string[] | undefined, known: string[], runId: string): string[] {
  if (!wanted?.length) return known;
  return wanted.map((w) => {
    const found = known.find((k) => k.toLowerCase() === w.toLowerCase());
    if (!found)
      throw new CliError(
        `run ${runId} has no task "${w}"; its tasks: ${known.join(', ') || '(none)'}`,
        'E_UNKNOWN_TASK',
      );
    return found;
  });
}

interface Output {
  print(record: MuxRecord): void;
}

function output(args: LogsArgs, tasks: string[]): Output {
  const json = args.json ?? !process.stdout.isTTY;
  const render = json
    ? renderJson
    : createTerminalRenderer({
        color: shouldColor(args.color, process.stdout),
        prefixWidth: Math.max(4, ...tasks.map((t) => t.length)),
      });
  return { print: (record) => process.stdout.write(`${render(record)}\n`) };
}

/** Reads complete NDJSON lines appended to a file since `offset`. */
function readNew(file: string, state: { offset: number; rest: string }): string[] {
  if (!existsSync(file)) return [];
  const size = statSync(file).size;
  if (size <= state.offset) return [];
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(size - state.offset);
    readSync(fd, buf, 0, buf.length, state.offset);
    state.offset = size;
    const text = state.rest + buf.toString('utf8');
    const lines = text.split('\n');
    state.rest = lines.pop() ?? '';
    return lines.filter(Boolean);
  } finally {
    closeSync(fd);
  }
}

/** A local run: its `events.ndjson`, filtered; `-f` follows the file until the run ends. */
async function localLogs(root: string, run: RunFile, args: LogsArgs): Promise<void> {
  const tasks = pickTasks(
    args.tasks,
    run.tasks.map((t) => t.id),
    run.runId,
  );
  const out = output(args, tasks);
  const file = join(runsDir(root), run.runId, EVENTS_FILE);
  const since = sinceMs(args.since);
  const cutoff = since === undefined ? undefined : Date.now() - since;
  const state = { offset: 0, rest: '' };
  const parse = (lines: string[]) =>
    lines
      .map((l) => {
        try {
          return JSON.parse(l) as MuxRecord;
        } catch {
          return undefined;
        }
      })
      .filter((r): r is MuxRecord => r !== undefined && tasks.includes(r.task))
      .filter((r) => cutoff === undefined || Date.parse(r.ts) >= cutoff);
  let records = parse(readNew(file, state));
  if (args.tail !== undefined) {
    // The last N log lines of each task (status records among them kept in place).
    const keep = new Set<MuxRecord>();
    for (const task of tasks) {
      const logs = records.filter((r) => r.task === task && r.type === 'log');
      for (const r of args.tail === 0 ? [] : logs.slice(-args.tail)) keep.add(r);
    }
    records = records.filter((r) => r.type !== 'log' || keep.has(r));
  }
  for (const r of records) out.print(r);
  if (!args.follow) return;

  let stop = false;
  const onSigint = () => {
    stop = true;
  };
  process.on('SIGINT', onSigint);
  try {
    for (;;) {
      await new Promise((r) => setTimeout(r, 200));
      for (const r of parse(readNew(file, state))) out.print(r);
      if (stop) throw new ExitError(EXIT.interrupted);
      const now = readRun(root, run.runId);
      const live = now !== null && now.state === 'running' && ownerAlive(now);
      if (!live) {
        for (const r of parse(readNew(file, state))) out.print(r);
        return;
      }
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/** Secret values to hide: the profile's secret env names (and the usual ones) as set in this environment. */
async function secretValues(target: KubeTarget): Promise<string[]> {
  let names = SECRET_ENV_NAMES;
  try {
    names = [...names, ...secretEnvNames(await profileOf(target))];
  } catch {
    // no profile readable: redact the usual names
  }
  return secretValuesFromEnv(names);
}

/** A k8s run: read (or follow) each task's pod log through the apiserver. */
async function k8sLogs(runId: string, target: KubeTarget, known: string[], args: LogsArgs): Promise<void> {
  const tasks = pickTasks(args.tasks, known, runId);
  const out = output(args, tasks);
  const since = sinceMs(args.since);
  const range = {
    ...(since !== undefined ? { sinceSeconds: Math.max(1, Math.ceil(since / 1000)) } : {}),
    ...(args.tail !== undefined ? { tailLines: args.tail } : {}),
  };
  const base = { kc: target.kc, namespace: target.namespace, runId };
  if (!args.follow) {
    const redact = createRedactor(await secretValues(target));
    for (const task of tasks) {
      // The runner's result line is not shown (as in `run`); ask for one more line in case it is the last.
      const lines: { ts: string; line: string }[] = [];
      await kubeCall(async () => {
        const tail = args.tail !== undefined ? { tailLines: args.tail + 1 } : {};
        for await (const l of readTaskLogs({ ...base, task, allPods: true, ...range, ...tail }))
          if (!parseResultLine(l.line)) lines.push(l);
      });
      const shown = args.tail === undefined ? lines : args.tail === 0 ? [] : lines.slice(-args.tail);
      for (const l of shown) out.print({ type: 'log', task, source: task, ts: l.ts, line: redact(l.line) });
    }
    return;
  }
  const mux = new LogMultiplexer({ redact: await secretValues(target) });
  const abort = new AbortController();
  let interrupted = false;
  const onSigint = () => {
    interrupted = true;
    abort.abort();
  };
  process.on('SIGINT', onSigint);
  const printing = (async () => {
    for await (const r of mux) out.print(r);
  })();
  const errors: Error[] = [];
  try {
    await Promise.all(
      tasks.map((task) =>
        mux
          .addSource(
            task,
            withoutResultLine(
              followTaskLogs({ ...base, task, signal: abort.signal, statusCheckMs: 1000, ...range }),
              {},
            ),
          )
          .catch((error: Error) => {
            errors.push(toCliError(error) as Error);
          }),
      ),
    );
  } finally {
    mux.close();
    await printing;
    process.off('SIGINT', onSigint);
  }
  if (errors[0]) throw errors[0];
  if (interrupted) throw new ExitError(EXIT.interrupted);
}

export async function runLogs(args: LogsArgs): Promise<void> {
  const root = runsRoot();
  if (args.run && !readRun(root, args.run) && kubeFlagsGiven(args)) {
    // A k8s run with no record here: its tasks come from the cluster.
    const target = connect(args);
    const statuses = await kubeCall(() =>
      runStatus({ kc: target.kc, namespace: target.namespace, runId: args.run ?? '' }),
    );
    if (statuses.length === 0)
      throw new CliError(`no Jobs of run "${args.run}" in namespace ${target.namespace}`, 'E_NO_RUN');
    await k8sLogs(
      args.run,
      target,
      statuses.map((s) => s.task),
      args,
    );
    return;
  }
  const run = findRun(root, args.run);
  if (run.executor === 'k8s') {
    await k8sLogs(
      run.runId,
      connect(args, run.kube),
      run.tasks.map((t) => t.id),
      args,
    );
  } else {
    await localLogs(root, run, args);
  }
}
