/** A line of an agent's output. */
export interface LogRecord {
  type: 'log';
  /** Task id, e.g. `T006`: the prefix the renderer shows. */
  task: string;
  /** Where the line came from: a pod name, or `pid:1234` for a local process. */
  source: string;
  /** ISO-8601 timestamp (from the source when it has one, else the time it was read). */
  ts: string;
  line: string;
  stream?: 'stdout' | 'stderr';
}

/** A task's change of state, shown between log lines. */
export interface StatusRecord {
  type: 'status';
  task: string;
  ts: string;
  state: string;
  message: string;
  data?: Record<string, unknown>;
}

export type MuxRecord = LogRecord | StatusRecord;

/** What a source yields: a bare line, or a line with its own timestamp/stream. */
export type SourceItem = string | { line: string; ts?: string; stream?: 'stdout' | 'stderr' };

export interface MultiplexerOptions {
  /** Values to hide in every line and status message (see `createRedactor`). */
  redact?: Iterable<string>;
  /** Log records buffered before sources are paused (status records are never dropped). Default 1000. */
  bufferSize?: number;
}

export type Renderer = (record: MuxRecord) => string;
