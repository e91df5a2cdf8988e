import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { parseTasks, readyTasks, type Task, type TaskGraph } from '@agentic-sdlc/tasks-parser';
import { painter, shouldColor } from '../color.js';
import { CliError, EXIT, ExitError } from '../errors.js';
import { resolveTasksFile } from '../feature.js';
import type { TasksArgs } from './tasks.command.js';

/** The `--json` shape of `asdlc tasks` (fields may be added, never renamed). */
export interface TasksJson {
  file: string;
  feature: string | null;
  phases: { title: string; kind: string; line: number; index: number; number: string | null }[];
  tasks: {
    id: string;
    key: string;
    title: string;
    line: number;
    state: string;
    parallel: boolean;
    stories: number[];
    mode: string;
    phase: number | null;
    files: string[];
    dependsOn: string[];
    ready: boolean;
  }[];
  diagnostics: TaskGraph['diagnostics'];
}

export function loadGraph(
  arg: string | undefined,
  cwd = process.cwd(),
): { graph: TaskGraph; file: string; root: string } {
  const resolved = resolveTasksFile(arg, cwd);
  let markdown: string;
  try {
    markdown = readFileSync(resolved.file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${resolved.file}: ${(error as Error).message}`, 'E_READ', EXIT.usage, {
      cause: error,
    });
  }
  return { graph: parseTasks(markdown, { path: resolved.file }), file: resolved.file, root: resolved.root };
}

export function toJson(graph: TaskGraph, file: string, tasks: Task[]): TasksJson {
  const ready = new Set(readyTasks(graph).map((t) => t.key));
  return {
    file,
    feature: graph.feature,
    phases: graph.phases.map((p) => ({
      title: p.title,
      kind: p.kind,
      line: p.line,
      index: p.index,
      number: p.number,
    })),
    tasks: tasks.map((t) => ({
      id: t.id,
      key: t.key,
      title: t.title,
      line: t.line,
      state: t.state,
      parallel: t.parallel,
      stories: t.stories,
      mode: t.mode,
      phase: t.phase,
      files: t.files,
      dependsOn: t.dependsOn,
      ready: ready.has(t.key),
    })),
    diagnostics: graph.diagnostics,
  };
}

const STATE_MARK: Record<string, string> = { open: '○', done: '✓', partial: '◐', skipped: '–' };

function renderHuman(view: TasksJson, color: boolean, cwd: string): string {
  const paint = painter(color);
  const out: string[] = [];
  out.push(
    `${paint('bold', relative(cwd, view.file) || view.file)}${view.feature ? `  (feature ${view.feature})` : ''}`,
  );
  const byPhase = new Map<number | null, TasksJson['tasks']>();
  for (const t of view.tasks) byPhase.set(t.phase, [...(byPhase.get(t.phase) ?? []), t]);
  const sections: { title: string; kind: string; index: number | null }[] = [
    ...(byPhase.has(null) ? [{ title: '(before the first phase)', kind: 'other', index: null }] : []),
    ...view.phases.map((p) => ({ ...p, title: p.number ? `Phase ${p.number}: ${p.title}` : p.title })),
  ];
  for (const phase of sections) {
    const tasks = byPhase.get(phase.index);
    if (!tasks?.length) continue;
    out.push('', `${paint('bold', phase.title)} ${paint('dim', `[${phase.kind}]`)}`);
    for (const t of tasks) {
      const markers = [
        t.parallel ? '[P]' : '',
        t.mode === 'async' ? paint('cyan', '[ASYNC]') : t.mode === 'sync' ? paint('magenta', '[SYNC]') : '',
        ...t.stories.map((s) => `[US${s}]`),
      ]
        .filter(Boolean)
        .join(' ');
      const status =
        t.state === 'done'
          ? paint('green', 'done')
          : t.ready
            ? paint('yellow', 'ready')
            : paint('dim', t.state === 'open' ? 'waiting' : t.state);
      out.push(
        `  ${STATE_MARK[t.state] ?? '?'} ${paint('bold', t.id.padEnd(5))} ${markers ? `${markers} ` : ''}${t.title}  ${status}`,
      );
    }
  }
  if (view.diagnostics.length) {
    out.push('', paint('bold', 'Diagnostics'));
    for (const d of view.diagnostics) {
      const sev =
        d.severity === 'error'
          ? paint('red', 'error')
          : d.severity === 'warning'
            ? paint('yellow', 'warning')
            : 'info';
      out.push(
        `  ${relative(cwd, view.file) || view.file}:${d.line}:${d.column} ${sev} ${d.message} ${paint('dim', `(${d.code})`)}`,
      );
    }
  }
  const counts = { total: view.tasks.length, ready: view.tasks.filter((t) => t.ready).length };
  out.push('', paint('dim', `${counts.total} task(s), ${counts.ready} ready`));
  return out.join('\n');
}

export async function runTasks(args: TasksArgs): Promise<void> {
  const cwd = process.cwd();
  const { graph, file } = loadGraph(args.path, cwd);
  const ready = new Set(readyTasks(graph).map((t) => t.key));
  const selected = graph.tasks.filter(
    (t) => (!args.async || t.mode === 'async') && (!args.ready || ready.has(t.key)),
  );
  const view = toJson(graph, file, selected);
  const json = args.json ?? !process.stdout.isTTY;
  process.stdout.write(
    json ? `${JSON.stringify(view, null, 2)}\n` : `${renderHuman(view, shouldColor(args.color), cwd)}\n`,
  );
  if (graph.diagnostics.some((d) => d.severity === 'error')) throw new ExitError(EXIT.failure);
}
