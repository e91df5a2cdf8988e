import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { MuxRecord } from '@agentic-sdlc/log-multiplexer';
import type { TaskRunResult } from './scheduler.js';

/**
 * A run on disk, `<repo>/.agentic-sdlc/runs/<run-id>/`:
 * - `run.json`: the run and every task's state, rewritten (atomically) as tasks start and end;
 * - `events.ndjson`: every log and status record of the run, one JSON object per line, appended live;
 * - `<task>.json`: each agent runner's own result (written by asdlc-agent).
 * `asdlc status`, `asdlc logs` and the OpenCode tools read these files for local runs.
 */
export interface RunFile {
  runId: string;
  executor: 'local' | 'k8s';
  file: string;
  base: string;
  pid: number;
  startedAt: string;
  finishedAt: string | null;
  /** `detached`: a k8s run left by Ctrl-C; its Jobs go on, `asdlc attach <run>` resumes it. */
  state: 'running' | 'finished' | 'interrupted' | 'detached';
  tasks: RunTaskEntry[];
  /** k8s runs: where the Jobs are, so status/logs/attach/cancel find them again. */
  kube?: RunKubeInfo;
}

export interface RunKubeInfo {
  namespace: string;
  env?: string;
  kubeconfig?: string;
  context?: string;
  repoUrl: string;
  baseBranch: string;
  timeout: string;
  startupAllowanceSeconds?: number;
  parallel?: number;
}

/** A k8s task's log position (pod-launcher's `ResumeCursorState`), saved on detach for `attach`. */
export interface SavedCursor {
  lastSecond?: string;
  countInSecond: number;
}

export interface RunTaskEntry extends Partial<TaskRunResult> {
  id: string;
  key: string;
  title: string;
  state: 'pending' | 'running' | 'finished';
  startedAt?: string;
  /** k8s: the task's Job. */
  job?: string;
  /** k8s: log position of the lines already shown (attach resumes after it). */
  cursor?: SavedCursor;
  /** k8s: the runner's result line, when it was read from the log before a detach. */
  runnerResult?: TaskRunResult;
}

export const RUN_FILE = 'run.json';
export const EVENTS_FILE = 'events.ndjson';

export function runsDir(root: string): string {
  return join(root, '.agentic-sdlc', 'runs');
}

export class RunRecord {
  readonly dir: string;
  readonly data: RunFile;

  constructor(
    root: string,
    header: Omit<RunFile, 'finishedAt' | 'state' | 'pid' | 'startedAt'>,
    /** Continue an existing record (`asdlc attach`): keeps its tasks and start time. */
    resume?: RunFile,
  ) {
    this.dir = join(runsDir(root), header.runId);
    mkdirSync(this.dir, { recursive: true });
    this.data = resume
      ? { ...resume, pid: process.pid, finishedAt: null, state: 'running' }
      : {
          ...header,
          pid: process.pid,
          startedAt: new Date().toISOString(),
          finishedAt: null,
          state: 'running',
        };
    this.#save();
  }

  appendEvent(record: MuxRecord): void {
    appendFileSync(join(this.dir, EVENTS_FILE), `${JSON.stringify(record)}\n`);
  }

  started(key: string): void {
    this.#task(key, { state: 'running', startedAt: new Date().toISOString() });
  }

  finished(key: string, result: TaskRunResult): void {
    this.#task(key, { ...result, state: 'finished' });
  }

  /** Merge fields into a task's entry (k8s: job name, cursor, result read from the log). */
  update(key: string, patch: Partial<RunTaskEntry>): void {
    this.#task(key, patch);
  }

  close(state: 'finished' | 'interrupted' | 'detached'): void {
    this.data.state = state;
    this.data.finishedAt = new Date().toISOString();
    this.#save();
  }

  #task(key: string, patch: Partial<RunTaskEntry>): void {
    const entry = this.data.tasks.find((t) => t.key === key);
    if (entry) Object.assign(entry, patch);
    this.#save();
  }

  #save(): void {
    const tmp = join(this.dir, `.${RUN_FILE}.${process.pid}.tmp`);
    writeFileSync(tmp, `${JSON.stringify(this.data, null, 2)}\n`);
    renameSync(tmp, join(this.dir, RUN_FILE));
  }
}

export function readRun(root: string, runId: string): RunFile | null {
  const file = join(runsDir(root), runId, RUN_FILE);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as RunFile) : null;
}

/** Rewrites run.json of a run this process does not own (cancel of a detached run). */
export function patchRun(root: string, runId: string, patch: (run: RunFile) => void): RunFile | null {
  const run = readRun(root, runId);
  if (!run) return null;
  patch(run);
  const dir = join(runsDir(root), runId);
  const tmp = join(dir, `.${RUN_FILE}.${process.pid}.tmp`);
  writeFileSync(tmp, `${JSON.stringify(run, null, 2)}\n`);
  renameSync(tmp, join(dir, RUN_FILE));
  return run;
}

/** Run ids on disk, newest first. */
export function listRunIds(root: string): string[] {
  const dir = runsDir(root);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((d) => existsSync(join(dir, d, RUN_FILE)))
    .sort()
    .reverse();
}
