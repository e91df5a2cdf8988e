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

type Style = 'green' | 'yellow' | 'red' | 'cyan';

export interface TaskRow {
  task: string;
  /** The outcome or state shown in the second column (styled by `styles`). */
  state: string;
  branch: string;
  sha: string;
  time: string;
  details: string;
}

/**
 * The task table of `run`'s summary and of `status`: aligned columns TASK, <stateTitle>, BRANCH, COMMIT,
 * TIME, then free-form details; the header in bold and the state cell coloured by `styles`.
 */
export function renderTaskTable(
  rows: TaskRow[],
  options: { stateTitle: string; styles: Record<string, Style>; color: boolean },
): string[] {
  const paint = painter(options.color);
  const header: TaskRow = {
    task: 'TASK',
    state: options.stateTitle,
    branch: 'BRANCH',
    sha: 'COMMIT',
    time: 'TIME',
    details: 'DETAILS',
  };
  const cols = ['task', 'state', 'branch', 'sha', 'time'] as const;
  const width = Object.fromEntries(
    cols.map((c) => [c, Math.max(header[c].length, ...rows.map((r) => r[c].length))]),
  );
  const line = (r: TaskRow, styled: boolean) =>
    `${cols
      .map((c) => {
        const cell = r[c].padEnd(width[c] ?? 0);
        const style = options.styles[r.state];
        return c === 'state' && styled && style ? paint(style, cell) : cell;
      })
      .join('  ')}  ${r.details}`;
  return [paint('bold', line(header, false)), ...rows.map((r) => line(r, true))];
}

/** The final table of a run: task, result, branch, commit, duration, reason. */
export function renderSummary(tasks: Task[], results: Map<string, TaskRunResult>, color: boolean): string {
  const rows: TaskRow[] = tasks.map((t) => {
    const r = results.get(t.key) ?? { outcome: 'cancelled' as const, reason: 'no result' };
    return {
      task: t.id,
      state: r.outcome,
      branch: r.branch ?? '-',
      sha: r.sha ? r.sha.slice(0, 10) : '-',
      time: formatDuration(r.durationMs),
      details: r.reason ?? (r.pushed ? 'pushed' : ''),
    };
  });
  const ok = rows.filter((r) => r.state === 'succeeded').length;
  return [
    ...renderTaskTable(rows, { stateTitle: 'RESULT', styles: OUTCOME_STYLE, color }),
    '',
    `${ok}/${rows.length} task(s) succeeded`,
  ].join('\n');
}
