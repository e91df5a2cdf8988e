import type { Task } from '@agentic-sdlc/tasks-parser';
import { painter } from '../color.js';
import type { Outcome, TaskRunResult } from './scheduler.js';

const OUTCOME_STYLE: Record<Outcome, 'green' | 'yellow' | 'red'> = {
  succeeded: 'green',
  'no-changes': 'yellow',
  failed: 'red',
  'timed-out': 'red',
  cancelled: 'yellow',
  blocked: 'yellow',
};

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '-';
  if (ms < 1000) return `${ms}ms`;
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** The final table: task, result, branch, commit, duration, reason. */
export function renderSummary(tasks: Task[], results: Map<string, TaskRunResult>, color: boolean): string {
  const paint = painter(color);
  const rows = tasks.map((t) => {
    const r = results.get(t.key) ?? { outcome: 'cancelled' as const, reason: 'no result' };
    return {
      task: t.id,
      outcome: r.outcome,
      branch: r.branch ?? '-',
      sha: r.sha ? r.sha.slice(0, 10) : '-',
      duration: formatDuration(r.durationMs),
      reason: r.reason ?? (r.pushed ? 'pushed' : ''),
    };
  });
  const head = {
    task: 'TASK',
    outcome: 'RESULT',
    branch: 'BRANCH',
    sha: 'COMMIT',
    duration: 'TIME',
    reason: 'DETAILS',
  };
  const cols = ['task', 'outcome', 'branch', 'sha', 'duration'] as const;
  const width = Object.fromEntries(
    cols.map((c) => [c, Math.max(head[c].length, ...rows.map((r) => r[c].length))]),
  );
  const line = (r: typeof head, style?: (typeof OUTCOME_STYLE)[Outcome]) =>
    `${cols
      .map((c) => {
        const cell = r[c].padEnd(width[c]!);
        return c === 'outcome' && style ? paint(style, cell) : cell;
      })
      .join('  ')}  ${r.reason}`;
  const ok = rows.filter((r) => r.outcome === 'succeeded').length;
  return [
    paint('bold', line(head)),
    ...rows.map((r) => line(r, OUTCOME_STYLE[r.outcome as Outcome])),
    '',
    `${ok}/${rows.length} task(s) succeeded`,
  ].join('\n');
}
