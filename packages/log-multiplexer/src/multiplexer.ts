import { createRedactor } from './redactor.js';
import type { MultiplexerOptions, MuxRecord, SourceItem, StatusRecord } from './types.js';

interface Waiter {
  resolve: () => void;
}

/**
 * Merges any number of line sources (local processes, pod log streams) into one ordered stream of records.
 *
 * - Sources are pulled only while the buffer has room: a slow consumer pauses every source, memory stays bounded.
 * - Every line and status message passes through the redactor before it is buffered.
 * - Iteration ends after `close()` once every source has ended and the buffer is drained.
 */
export class LogMultiplexer implements AsyncIterable<MuxRecord> {
  readonly #queue: MuxRecord[] = [];
  readonly #bufferSize: number;
  readonly #redact: (text: string) => string;
  readonly #roomWaiters: Waiter[] = [];
  #dataWaiter: Waiter | null = null;
  #activeSources = 0;
  #closed = false;
  #logRecordsQueued = 0;

  constructor(options: MultiplexerOptions = {}) {
    this.#bufferSize = Math.max(1, options.bufferSize ?? 1000);
    this.#redact = createRedactor(options.redact ?? []);
  }

  /** Log records currently buffered (never above `bufferSize`). */
  get buffered(): number {
    return this.#logRecordsQueued;
  }

  /**
   * Pumps `source` into the stream under `task`. Resolves when the source ends; rejects only if the
   * source throws (the error is also reported as a status record so the terminal shows it).
   */
  async addSource(task: string, source: AsyncIterable<SourceItem>, sourceName = task): Promise<void> {
    if (this.#closed) throw new Error(`LogMultiplexer is closed: cannot add a source for ${task}`);
    this.#activeSources++;
    try {
      for await (const item of source) {
        const entry = typeof item === 'string' ? { line: item } : item;
        await this.#roomForLog();
        this.#enqueue({
          type: 'log',
          task,
          source: sourceName,
          ts: entry.ts ?? new Date().toISOString(),
          line: this.#redact(entry.line),
          ...(entry.stream ? { stream: entry.stream } : {}),
        });
      }
    } catch (error) {
      this.status(task, 'source-error', `log stream of ${sourceName} failed: ${(error as Error).message}`);
      throw error;
    } finally {
      this.#activeSources--;
      this.#wakeConsumer();
    }
  }

  /** Adds a status record. Status records bypass the bound: there are few of them and none may be lost. */
  status(task: string, state: string, message: string, data?: Record<string, unknown>): void {
    const record: StatusRecord = {
      type: 'status',
      task,
      ts: new Date().toISOString(),
      state,
      message: this.#redact(message),
      ...(data ? { data } : {}),
    };
    this.#enqueue(record);
  }

  /** No more sources will be added; iteration ends once the current ones finish and the buffer drains. */
  close(): void {
    this.#closed = true;
    this.#wakeConsumer();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<MuxRecord> {
    while (true) {
      const record = this.#queue.shift();
      if (record) {
        if (record.type === 'log') {
          this.#logRecordsQueued--;
          this.#roomWaiters.shift()?.resolve();
        }
        yield record;
        continue;
      }
      if (this.#closed && this.#activeSources === 0) return;
      await new Promise<void>((resolve) => {
        this.#dataWaiter = { resolve };
      });
    }
  }

  #enqueue(record: MuxRecord): void {
    this.#queue.push(record);
    if (record.type === 'log') this.#logRecordsQueued++;
    this.#wakeConsumer();
  }

  #roomForLog(): Promise<void> {
    if (this.#logRecordsQueued < this.#bufferSize) return Promise.resolve();
    return new Promise((resolve) => this.#roomWaiters.push({ resolve }));
  }

  #wakeConsumer(): void {
    const waiter = this.#dataWaiter;
    this.#dataWaiter = null;
    waiter?.resolve();
  }
}
