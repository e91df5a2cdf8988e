import { prerequisites, type Task, type TaskGraph } from '@agentic-sdlc/tasks-parser';

export type Outcome = 'succeeded' | 'no-changes' | 'failed' | 'timed-out' | 'cancelled' | 'blocked';

export interface TaskRunResult {
  outcome: Outcome;
  reason?: string | null;
  branch?: string | null;
  baseSha?: string | null;
  sha?: string | null;
  pushed?: boolean;
  filesChanged?: string[];
  durationMs?: number;
  tokens?: unknown;
  cost?: unknown;
}

export interface ScheduleOptions {
  graph: TaskGraph;
  /** The tasks to run, in document order. */
  selected: Task[];
  parallel: number;
  start: (task: Task) => Promise<TaskRunResult>;
  /** Called once for every task that ends without running (blocked or cancelled before start). */
  onSkipped?: (task: Task, result: TaskRunResult) => void;
  /** Checked before each start: true stops starting new tasks (Ctrl-C). */
  stopping?: () => boolean;
}

/**
 * Runs `selected` tasks at most `parallel` at a time, starting each as soon as every prerequisite
 * (phase gating, explicit dependencies, file order — from the parser) is done in the file or succeeded
 * in this run. A task whose prerequisite failed, or waits on a task this run does not execute, is `blocked`.
 */
export async function schedule(options: ScheduleOptions): Promise<Map<string, TaskRunResult>> {
  const { graph, parallel, start } = options;
  const byKey = new Map(graph.tasks.map((t) => [t.key, t]));
  const selectedKeys = new Set(options.selected.map((t) => t.key));
  const results = new Map<string, TaskRunResult>();
  const running = new Map<string, Promise<void>>();
  let pending = [...options.selected];

  const settle = (task: Task, result: TaskRunResult) => {
    results.set(task.key, result);
    options.onSkipped?.(task, result);
  };
  const doneInFile = (key: string) => {
    const state = byKey.get(key)?.state;
    return state === 'done' || state === 'skipped';
  };
  const label = (key: string) => byKey.get(key)?.id ?? key;

  while (pending.length > 0 || running.size > 0) {
    const stillPending: Task[] = [];
    for (const task of pending) {
      if (options.stopping?.()) {
        settle(task, { outcome: 'cancelled', reason: 'not started: the run was interrupted' });
        continue;
      }
      const prereqs = prerequisites(graph, task.key);
      const failed = prereqs.find((k) => results.has(k) && results.get(k)!.outcome !== 'succeeded');
      if (failed) {
        settle(task, {
          outcome: 'blocked',
          reason: `not started: ${label(failed)} ${results.get(failed)!.outcome}`,
        });
        continue;
      }
      const unreachable = prereqs.find((k) => !doneInFile(k) && !selectedKeys.has(k));
      if (unreachable) {
        const dep = byKey.get(unreachable);
        const why = dep
          ? `${dep.id} is ${dep.state}${dep.mode === 'sync' ? ' [SYNC]' : ''} and not part of this run`
          : unreachable;
        settle(task, { outcome: 'blocked', reason: `not started: waits for ${why}` });
        continue;
      }
      const ready = prereqs.every((k) => doneInFile(k) || results.get(k)?.outcome === 'succeeded');
      if (ready && running.size < parallel) {
        const run = start(task)
          .catch(
            (error: Error): TaskRunResult => ({
              outcome: 'failed',
              reason: `runner error: ${error.message}`,
            }),
          )
          .then((result) => {
            results.set(task.key, result);
            running.delete(task.key);
          });
        running.set(task.key, run);
      } else {
        stillPending.push(task);
      }
    }
    pending = stillPending;
    if (running.size === 0) {
      // Nothing runs and nothing could start: the rest wait on each other (a dependency cycle).
      for (const task of pending)
        settle(task, { outcome: 'blocked', reason: 'not started: dependency cycle' });
      pending = [];
      break;
    }
    await Promise.race(running.values());
  }
  return results;
}
