import type { LogLine } from '@agentic-sdlc/pod-launcher';
import { parseResultLine } from '@agentic-sdlc/secrets-config';
import type { TaskRunResult } from '../run/scheduler.js';

/**
 * A task's log lines without the runner's `ASDLC_RESULT {…}` line, which is kept in `captured` instead: the
 * result normally comes from the container's termination message, and this is the fallback when there is
 * none (FallbackToLogsOnError, or a runtime that does not write it).
 */
export async function* withoutResultLine(
  source: AsyncIterable<LogLine>,
  captured: { result?: TaskRunResult },
): AsyncGenerator<LogLine> {
  for await (const item of source) {
    const result = parseResultLine(item.line);
    if (result) {
      const { task: _task, ...rest } = result;
      captured.result = rest as TaskRunResult;
      continue;
    }
    yield item;
  }
}

/** Whether the pod's agent container has started (a log exists to follow). */
export function containerStarted(pod: { status?: { containerStatuses?: unknown[] } } | undefined): boolean {
  const statuses = (pod?.status?.containerStatuses ?? []) as {
    state?: { running?: unknown; terminated?: unknown };
  }[];
  return statuses.some((s) => Boolean(s.state?.running || s.state?.terminated));
}
