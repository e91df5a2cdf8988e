import { StringDecoder } from 'node:string_decoder';

/**
 * Splits a byte/character stream into lines. Chunks may end anywhere — mid-line or mid UTF-8 sequence;
 * `\n` and `\r\n` end lines. `flush()` returns the unterminated tail, if any.
 */
export class LineSplitter {
  #decoder = new StringDecoder('utf8');
  #partial = '';

  push(chunk: Buffer | Uint8Array | string): string[] {
    const text = typeof chunk === 'string' ? chunk : this.#decoder.write(Buffer.from(chunk));
    if (text === '') return [];
    const parts = (this.#partial + text).split('\n');
    this.#partial = parts.pop() ?? '';
    return parts.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  }

  /** The unterminated last line ('' and nothing pending → undefined). Resets the splitter. */
  flush(): string | undefined {
    const rest = this.#partial + this.#decoder.end();
    this.#partial = '';
    this.#decoder = new StringDecoder('utf8');
    if (rest === '') return undefined;
    return rest.endsWith('\r') ? rest.slice(0, -1) : rest;
  }

  /** Drop anything pending (after an aborted stream: the next one re-sends from the last whole line). */
  reset(): void {
    this.#partial = '';
    this.#decoder = new StringDecoder('utf8');
  }
}

const TS_RE = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** A kubelet log line with `timestamps=true`: `<RFC3339Nano> <text>`. */
export interface TimestampedLine {
  /** The timestamp as sent (RFC3339Nano), or undefined when the line had none. */
  ts: string | undefined;
  line: string;
}

/** Strip and parse the RFC3339(Nano) prefix of a line; a line without one keeps its text and has no ts. */
export function parseTimestampedLine(raw: string): TimestampedLine {
  const space = raw.indexOf(' ');
  const head = space === -1 ? raw : raw.slice(0, space);
  if (TS_RE.test(head)) return { ts: head, line: space === -1 ? '' : raw.slice(space + 1) };
  return { ts: undefined, line: raw };
}

/** The whole second (UTC, `YYYY-MM-DDTHH:MM:SSZ`) of an RFC3339 timestamp, or undefined if invalid. */
export function secondOf(ts: string): string | undefined {
  const m = TS_RE.exec(ts);
  if (!m) return undefined;
  if (m[3] === 'Z') return `${m[1]}Z`;
  const d = new Date(`${m[1]}${m[3]}`);
  if (Number.isNaN(d.getTime())) return undefined;
  return `${d.toISOString().slice(0, 19)}Z`;
}

/** A `ResumeCursor`'s persisted position. */
export interface ResumeCursorState {
  lastSecond?: string;
  countInSecond: number;
}

/**
 * Resume bookkeeping for one container's log (stern's approach). The apiserver's `sinceTime` has whole
 * second precision, so remember the last second seen and how many lines were emitted in it; a
 * reconnect asks for `sinceTime = that second` and skips that many lines of it. 0 lost, 0 duplicated.
 */
export class ResumeCursor {
  #lastSecond: string | undefined;
  #countInSecond = 0;
  #skipSecond: string | undefined;
  #skip = 0;

  /** A cursor restored from `state()` (e.g. saved by a detached `run`, used by `attach`). */
  static from(state: ResumeCursorState): ResumeCursor {
    const c = new ResumeCursor();
    const sec = state.lastSecond === undefined ? undefined : secondOf(state.lastSecond);
    if (sec !== undefined && Number.isInteger(state.countInSecond) && state.countInSecond >= 0) {
      c.#lastSecond = sec;
      c.#countInSecond = state.countInSecond;
    }
    return c;
  }

  /** The position to persist: last second seen and lines emitted in it. */
  state(): ResumeCursorState {
    return {
      ...(this.#lastSecond !== undefined ? { lastSecond: this.#lastSecond } : {}),
      countInSecond: this.#countInSecond,
    };
  }

  /** The last second seen (undefined before the first line). */
  get lastSecond(): string | undefined {
    return this.#lastSecond;
  }
  /** Lines emitted in `lastSecond`. */
  get countInSecond(): number {
    return this.#countInSecond;
  }

  /**
   * Prepare a reconnect: returns the `sinceTime` to ask for (undefined before any line — then ask for
   * the original range again) and how many lines of that second will be skipped.
   */
  resume(): { sinceTime: string | undefined; skip: number } {
    if (this.#lastSecond === undefined) return { sinceTime: undefined, skip: 0 };
    this.#skipSecond = this.#lastSecond;
    this.#skip = this.#countInSecond;
    return { sinceTime: this.#lastSecond, skip: this.#skip };
  }

  /** Decide whether a line with this timestamp is new (emit it) or was already emitted (skip it). */
  accept(ts: string | undefined): boolean {
    const sec = ts === undefined ? undefined : secondOf(ts);
    if (sec === undefined) {
      // A line without a usable timestamp cannot be deduplicated: emit it, count it in the current second.
      if (this.#skipSecond !== undefined && this.#skip > 0) {
        this.#skip--;
        return false;
      }
      if (this.#lastSecond !== undefined) this.#countInSecond++;
      return true;
    }
    if (this.#skipSecond !== undefined) {
      if (sec < this.#skipSecond) return false;
      if (sec === this.#skipSecond && this.#skip > 0) {
        this.#skip--;
        return false;
      }
      this.#skipSecond = undefined;
      this.#skip = 0;
    }
    if (this.#lastSecond !== undefined && sec < this.#lastSecond) {
      // Out of order (clock skew between streams): emit, but keep the cursor monotonic.
      return true;
    }
    if (sec === this.#lastSecond) this.#countInSecond++;
    else {
      this.#lastSecond = sec;
      this.#countInSecond = 1;
    }
    return true;
  }
}
