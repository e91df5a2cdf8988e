import { type Readable, Writable } from 'node:stream';
import { BatchV1Api, CoreV1Api, Log, type LogOptions, type V1Pod } from '@kubernetes/client-node';
import { backoffDelay, sleep } from './_duration.js';
import { httpStatusOf, KubeForbiddenError, LogFollowError, toKubeError } from './_errors.js';
import { agentStatus, jobFailedCondition, jobSucceeded, sortPods } from './_explain.js';
import { LineSplitter, parseTimestampedLine, ResumeCursor } from './_lines.js';
import { AGENT_CONTAINER, runSelector } from './_names.js';
import { kubeUserName } from './_profile.js';
import type { FollowTaskLogsOptions, LogLine, PodFinder, ReadTaskLogsOptions } from './types.js';

type ChannelItem = { type: 'chunk'; chunk: Buffer } | { type: 'end' } | { type: 'idle' };

/**
 * The Writable that `Log.log` pipes the response into. Bounded: a chunk is acknowledged (and the socket
 * may send more) only when the reader takes it, so a slow consumer pauses the HTTP stream.
 */
class ChunkChannel extends Writable {
  #queue: { chunk: Buffer; cb: (err?: Error | null) => void }[] = [];
  #ended = false;
  #wake: (() => void) | undefined;
  /** Why the response stopped without a clean end (reset, premature close), if it did. */
  dropped: Error | undefined;

  constructor() {
    super();
    // `Log.log` pipes the response body here; `pipe` ignores the source's errors, so a dropped connection
    // would look like a silent stream. Watch the source itself (this also keeps its errors handled).
    this.on('pipe', (src: Readable) => {
      if (src.destroyed && !src.readableEnded) {
        this.#drop(src.errored ?? new Error('log stream closed before its end'));
        return;
      }
      src.once('error', (err: Error) => this.#drop(err));
      src.once('close', () => {
        if (!src.readableEnded) this.#drop(new Error('log stream closed before its end'));
      });
    });
  }

  #drop(err: Error): void {
    if (this.#ended) return;
    this.dropped = err;
    this.#ended = true;
    this.#wake?.();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.#queue.push({ chunk, cb });
    this.#wake?.();
  }
  override _final(cb: (err?: Error | null) => void): void {
    this.#ended = true;
    this.#wake?.();
    cb();
  }
  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.#ended = true;
    for (const item of this.#queue.splice(0)) item.cb();
    this.#wake?.();
    cb(err);
  }

  /** The next chunk, `end` when the response ended, `idle` after `timeoutMs` without data. */
  async next(timeoutMs: number, signal?: AbortSignal): Promise<ChannelItem> {
    for (;;) {
      const item = this.#queue.shift();
      if (item) {
        item.cb();
        return { type: 'chunk', chunk: item.chunk };
      }
      if (this.#ended) return { type: 'end' };
      if (signal?.aborted) return { type: 'end' };
      const woke = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => finish(false), timeoutMs);
        const onAbort = (): void => finish(true);
        const finish = (value: boolean): void => {
          clearTimeout(timer);
          this.#wake = undefined;
          signal?.removeEventListener('abort', onAbort);
          resolve(value);
        };
        this.#wake = () => finish(true);
        signal?.addEventListener('abort', onAbort, { once: true });
      });
      if (!woke) return { type: 'idle' };
    }
  }
}

interface Opening {
  /** Set when the log request failed (the channel is then ended). */
  readonly error: unknown;
  /** Abort the request, now or as soon as it resolves. */
  close(): void;
}

/** Start `Log.log` without waiting for it (it resolves only when the first bytes arrive). */
function openLog(
  logApi: Log,
  namespace: string,
  pod: string,
  container: string,
  channel: ChunkChannel,
  options: LogOptions,
): Opening {
  let controller: AbortController | undefined;
  let closed = false;
  let error: unknown;
  logApi.log(namespace, pod, container, channel, options).then(
    (c) => {
      controller = c;
      if (closed) c.abort();
    },
    (err: unknown) => {
      error = err ?? new Error('log request failed');
      channel.destroy();
    },
  );
  return {
    get error() {
      return error;
    },
    close() {
      closed = true;
      controller?.abort();
    },
  };
}

function isPodTerminal(pod: V1Pod | undefined): boolean {
  const phase = pod?.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

function containerStarted(pod: V1Pod, container: string): boolean {
  const s = agentStatus(pod, container)?.state;
  return Boolean(s?.running || s?.terminated);
}

function toRfc3339(value: string | Date): string {
  return value instanceof Date ? value.toISOString() : value;
}

function defaultFinder(core: CoreV1Api, namespace: string, labelSelector: string): PodFinder {
  return async () => {
    const list = await core.listNamespacedPod({ namespace, labelSelector });
    const sorted = sortPods(list.items);
    return sorted[sorted.length - 1];
  };
}

function errorText(err: unknown): string {
  const status = httpStatusOf(err);
  const msg = err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err);
  return status !== undefined ? `HTTP ${status}: ${msg}` : msg;
}

/**
 * Follow one task's log through the apiserver (`pods/log?follow=true&timestamps=true` via `Log.log`).
 *
 * - Finds the task's pod by label each time (a retried Job has a new pod) and waits for its container.
 * - Splits chunks into lines and strips the RFC3339Nano prefix into `ts`.
 * - On EOF, a dropped connection or a silent stream while the pod runs, reconnects with `sinceTime` =
 *   the last second seen and skips the lines already emitted in it: 0 lost, 0 duplicated.
 * - When the pod is terminal, reads the rest once without follow and moves on to a newer pod of the
 *   task, or stops when the Job is finished (or gone).
 * - Consecutive connect failures are bounded (`maxRetries`, backoff with jitter) → `LogFollowError`;
 *   403 → `KubeForbiddenError`; the signal ends the iteration quietly.
 */
export async function* followTaskLogs(
  options: FollowTaskLogsOptions,
): AsyncGenerator<LogLine, void, undefined> {
  const { kc, namespace, runId, task, signal } = options;
  const container = options.container ?? AGENT_CONTAINER;
  const idleTimeoutMs = options.idleTimeoutMs ?? 60_000;
  const statusCheckMs = Math.min(options.statusCheckMs ?? 3000, idleTimeoutMs);
  const pollMs = options.pollMs ?? 1000;
  const maxRetries = options.maxRetries ?? 12;
  const retryMinMs = options.retryMinMs ?? 250;
  const retryMaxMs = options.retryMaxMs ?? 8000;
  const core = kc.makeApiClient(CoreV1Api);
  const batch = kc.makeApiClient(BatchV1Api);
  const logApi = new Log(kc);
  const selector = runSelector(runId, task);
  const findPod = options.findPod ?? defaultFinder(core, namespace, selector);
  const user = kubeUserName(kc);

  const cursors = new Map<string, ResumeCursor>();
  const donePods = new Set<string>();
  let currentUid: string | undefined;
  let failures = 0;
  let waits = 0;
  let firstPodUid: string | undefined;
  let lastCause = '';

  const fail = async (cause: string, err?: unknown): Promise<void> => {
    failures++;
    lastCause = cause;
    if (failures > maxRetries) {
      throw new LogFollowError(
        `following the log of task ${task} (run ${runId}, namespace ${namespace}) failed ${failures} times in a row; last error: ${cause}`,
        { cause: err },
      );
    }
    await sleep(backoffDelay(failures - 1, retryMinMs, retryMaxMs), signal);
  };

  const jobFinished = async (): Promise<boolean> => {
    const list = await batch.listNamespacedJob({ namespace, labelSelector: selector });
    const job = list.items[0];
    return !job || jobSucceeded(job) || jobFailedCondition(job) !== undefined;
  };

  const readPod = async (name: string): Promise<V1Pod | undefined> => {
    try {
      return await core.readNamespacedPod({ name, namespace });
    } catch (err) {
      if (httpStatusOf(err) === 404) return undefined;
      throw err;
    }
  };

  while (!signal?.aborted) {
    let pod: V1Pod | undefined;
    try {
      pod = await findPod();
    } catch (err) {
      if (httpStatusOf(err) === 403)
        throw toKubeError(err, { verb: 'list', resource: 'pods', namespace, user });
      await fail(`listing pods: ${errorText(err)}`, err);
      continue;
    }
    const uid = pod?.metadata?.uid ?? pod?.metadata?.name;
    if (!pod || !uid || donePods.has(uid) || !containerStarted(pod, container)) {
      // Nothing (new) to read: done when the Job is finished or gone, else wait for the pod/container.
      let finished = false;
      try {
        finished = (!pod || donePods.has(uid ?? '') || isPodTerminal(pod)) && (await jobFinished());
      } catch (err) {
        if (httpStatusOf(err) === 403)
          throw toKubeError(err, { verb: 'list', resource: 'jobs.batch', namespace, user });
        await fail(`listing jobs: ${errorText(err)}`, err);
        continue;
      }
      if (finished) return;
      if (pod && uid && !donePods.has(uid) && isPodTerminal(pod)) donePods.add(uid); // terminal, never started
      waits++;
      await sleep(Math.min(pollMs * waits, Math.max(pollMs, 5000)), signal);
      continue;
    }
    const podName = pod.metadata?.name ?? '';
    if (uid !== currentUid) {
      currentUid = uid;
      options.onPod?.(pod);
    }
    waits = 0;
    let cursor = cursors.get(uid);
    const fresh = cursor === undefined;
    if (!cursor) {
      // The caller's cursor (a resumed `attach`) applies to the first pod followed.
      cursor = firstPodUid === undefined && options.cursor ? options.cursor : new ResumeCursor();
      cursors.set(uid, cursor);
    }
    const terminal = isPodTerminal(pod);
    const logOptions: LogOptions = { follow: !terminal, timestamps: true };
    const { sinceTime, skip } = cursor.resume();
    if (sinceTime) logOptions.sinceTime = sinceTime;
    else if (firstPodUid === undefined || firstPodUid === uid) {
      if (options.sinceTime !== undefined) logOptions.sinceTime = toRfc3339(options.sinceTime);
      else if (options.sinceSeconds !== undefined) logOptions.sinceSeconds = options.sinceSeconds;
      if (options.tailLines !== undefined) logOptions.tailLines = options.tailLines;
    }
    if (!fresh) {
      options.onReconnect?.({
        pod: podName,
        ...(sinceTime ? { sinceTime } : {}),
        skip,
        cause: lastCause || 'resume',
      });
    }

    // Log.log resolves only when the response headers arrive — with kwok (and some proxies) that is the
    // first byte of output — so never block on it: the read loop below watches the pod meanwhile.
    const channel = new ChunkChannel();
    const opening = openLog(logApi, namespace, podName, container, channel, logOptions);
    const splitter = new LineSplitter();
    let lastData = Date.now();
    let outcome: 'end' | 'idle' | 'replaced' | 'aborted' | 'error' = 'end';
    try {
      for (;;) {
        const item = await channel.next(statusCheckMs, signal);
        if (signal?.aborted) {
          outcome = 'aborted';
          break;
        }
        if (item.type === 'chunk') {
          failures = 0;
          lastCause = '';
          lastData = Date.now();
          for (const raw of splitter.push(item.chunk)) {
            const { ts, line } = parseTimestampedLine(raw);
            if (cursor.accept(ts)) yield { line, ts: ts ?? new Date().toISOString(), stream: 'stdout' };
          }
          continue;
        }
        if (item.type === 'end') {
          outcome = opening.error === undefined ? 'end' : 'error';
          break;
        }
        // Silence: has the pod finished (kwok and some runtimes never close a follow stream) or been replaced?
        if (!terminal) {
          let current: V1Pod | undefined;
          try {
            current = await readPod(podName);
          } catch {
            current = pod; // cannot tell; rely on the idle timeout
          }
          if (!current || isPodTerminal(current)) {
            outcome = 'replaced';
            lastCause = 'pod finished';
            break;
          }
        }
        if (Date.now() - lastData >= idleTimeoutMs) {
          outcome = 'idle';
          lastCause = `no data for ${idleTimeoutMs} ms`;
          break;
        }
      }
    } finally {
      opening.close();
      channel.destroy();
    }
    if (outcome === 'aborted') return;
    if (outcome === 'error') {
      const err = opening.error;
      const status = httpStatusOf(err);
      if (status === 403) throw toKubeError(err, { verb: 'get', resource: 'pods/log', namespace, user });
      if (terminal && status !== undefined && status >= 400 && status < 500) {
        donePods.add(uid); // a finished pod whose log is gone/unreadable: nothing more to get
        continue;
      }
      await fail(`opening the log of pod ${podName}: ${errorText(err)}`, err);
      continue;
    }
    firstPodUid ??= uid;
    if (outcome === 'end' && terminal) {
      // The final, non-follow read of a finished pod: emit an unterminated last line, then the pod is done.
      const rest = splitter.flush();
      if (rest !== undefined) {
        const { ts, line } = parseTimestampedLine(rest);
        if (cursor.accept(ts)) yield { line, ts: ts ?? new Date().toISOString(), stream: 'stdout' };
      }
      donePods.add(uid);
      continue;
    }
    if (outcome === 'end') {
      // EOF of a follow stream: the container ended (next pass reads the rest) or the connection dropped.
      const current = await readPod(podName).catch(() => pod);
      if (current && !isPodTerminal(current)) await fail(lastCause || 'log stream ended while the pod runs');
    }
    // 'idle' (a silent stream may be a dead one) and 'replaced' reconnect at once; the cursor dedupes.
  }
}

/** Read a task's log once (no follow): the newest pod, or every pod oldest first with `allPods`. */
export async function* readTaskLogs(options: ReadTaskLogsOptions): AsyncGenerator<LogLine, void, undefined> {
  const { kc, namespace, runId, task, signal } = options;
  const container = options.container ?? AGENT_CONTAINER;
  const core = kc.makeApiClient(CoreV1Api);
  const logApi = new Log(kc);
  const user = kubeUserName(kc);
  let pods: V1Pod[];
  try {
    pods = sortPods(
      (await core.listNamespacedPod({ namespace, labelSelector: runSelector(runId, task) })).items,
    );
  } catch (err) {
    throw toKubeError(err, { verb: 'list', resource: 'pods', namespace, user });
  }
  const chosen = (options.allPods ? pods : pods.slice(-1)).filter((p) => containerStarted(p, container));
  for (const pod of chosen) {
    if (signal?.aborted) return;
    const logOptions: LogOptions = { follow: false, timestamps: true };
    if (options.sinceTime !== undefined) logOptions.sinceTime = toRfc3339(options.sinceTime);
    else if (options.sinceSeconds !== undefined) logOptions.sinceSeconds = options.sinceSeconds;
    if (options.tailLines !== undefined) logOptions.tailLines = options.tailLines;
    const channel = new ChunkChannel();
    let controller: AbortController;
    try {
      controller = await logApi.log(namespace, pod.metadata?.name ?? '', container, channel, logOptions);
    } catch (err) {
      channel.destroy();
      const mapped = toKubeError(err, { verb: 'get', resource: 'pods/log', namespace, user });
      if (mapped instanceof KubeForbiddenError) throw mapped;
      throw new LogFollowError(
        `reading the log of pod ${pod.metadata?.name} (task ${task}): ${mapped.message}`,
        {
          cause: err,
        },
      );
    }
    const splitter = new LineSplitter();
    try {
      for (;;) {
        const item = await channel.next(30_000, signal);
        if (signal?.aborted) return;
        if (item.type === 'idle') {
          throw new LogFollowError(
            `reading the log of pod ${pod.metadata?.name} (task ${task}): no data for 30 s`,
          );
        }
        if (item.type === 'end') break;
        for (const raw of splitter.push(item.chunk)) {
          const { ts, line } = parseTimestampedLine(raw);
          yield { line, ts: ts ?? new Date().toISOString(), stream: 'stdout' };
        }
      }
      const rest = splitter.flush();
      if (rest !== undefined) {
        const { ts, line } = parseTimestampedLine(rest);
        yield { line, ts: ts ?? new Date().toISOString(), stream: 'stdout' };
      }
    } finally {
      controller.abort();
      channel.destroy();
    }
  }
}
