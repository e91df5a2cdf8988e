import { createLogUpdate } from 'log-update';
import { formatDuration } from '../run/summary.js';

export interface StatusCounts {
  queued: number;
  running: number;
  done: number;
  failed: number;
}

/** Live one-line status on stderr (TTY only): redrawn under the log lines, cleared before each of them. */
export interface StatusLine {
  update(counts: StatusCounts): void;
  /** Call around every write to stdout when stdout and stderr share the terminal. */
  around(write: () => void): void;
  stop(): void;
}

export function createStatusLine(runId: string, enabled: boolean): StatusLine {
  if (!enabled) {
    return { update() {}, around: (write) => write(), stop() {} };
  }
  // A terminal that reports no size (0 rows, e.g. under `script`) would make log-update print nothing.
  const stderr = process.stderr;
  const stream = {
    isTTY: true,
    write: (chunk: string) => stderr.write(chunk),
    get columns() {
      return stderr.columns || 80;
    },
    get rows() {
      return stderr.rows || 24;
    },
  } as unknown as NodeJS.WriteStream;
  const log = createLogUpdate(stream, { showCursor: true });
  const started = Date.now();
  let counts: StatusCounts = { queued: 0, running: 0, done: 0, failed: 0 };
  const text = () =>
    `run ${runId} · ${counts.running} running · ${counts.queued} queued · ${counts.done} done · ${counts.failed} failed · ${formatDuration(Date.now() - started)}  (Ctrl-C detaches)`;
  const timer = setInterval(() => log(text()), 1000);
  timer.unref();
  return {
    update(next) {
      counts = next;
      log(text());
    },
    around(write) {
      log.clear();
      write();
      log(text());
    },
    stop() {
      clearInterval(timer);
      log.clear();
      log.done();
    },
  };
}
