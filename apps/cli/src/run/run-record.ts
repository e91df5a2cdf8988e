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
  state: 'running' | 'finished' | 'interrupted';
  tasks: RunTaskEntry[];
}

export interface RunTaskEntry extends Partial<TaskRunResult> {
  id: string;
  key: string;
  title: string;
  state: 'pending' | 'running' | 'finished';
  startedAt?: string;
}

export const RUN_FILE = 'run.json';
export const EVENTS_FILE = 'events.ndjson';

export function runsDir(root: string): string {
  return join(root, '.agentic-sdlc', 'runs');
}

export class RunRecord {
  readonly dir: string;
  readonly data: RunFile;

  constructor(root: string, header: Omit<RunFile, 'finishedAt' | 'state' | 'pid' | 'startedAt'>) {
    this.dir = join(runsDir(root), header.runId);
    mkdirSync(this.dir, { recursive: true });
    this.data = {
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

  close(state: 'finished' | 'interrupted'): void {
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

/** Run ids on disk, newest first. */
export function listRunIds(root: string): string[] {
  const dir = runsDir(root);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((d) => existsSync(join(dir, d, RUN_FILE)))
    .sort()
    .reverse();
}
