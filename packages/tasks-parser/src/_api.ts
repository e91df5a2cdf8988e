/** The public functions (re-exported by name from index.ts). */
import { buildGraph } from './_build.js';
import { AmbiguousTaskError, TaskNotFoundError, TaskNotMarkableError } from './_errors.js';
import { isSatisfied, planOf } from './_plan.js';
import { splitLines } from './_source.js';
import type { ParseOptions, Task, TaskGraph } from './types.js';

/** Parse a spec-kit tasks.md into a TaskGraph. Never throws: problems become diagnostics. */
export function parseTasks(markdown: string, opts?: ParseOptions): TaskGraph {
  const path = opts !== undefined && opts !== null && typeof opts.path === 'string' ? opts.path : null;
  try {
    return buildGraph(
      typeof markdown === 'string' ? markdown : String(markdown ?? ''),
      path === null ? {} : { path },
    );
  } catch (cause) {
    return {
      path,
      feature: null,
      phases: [],
      tasks: [],
      diagnostics: [
        {
          severity: 'error',
          line: 1,
          column: 1,
          code: 'internal-error',
          message: `The parser failed on this input (${
            cause instanceof Error ? cause.message : String(cause)
          }); no tasks were read. Please report it with the file attached.`,
        },
      ],
    };
  }
}

/** Tasks whose id matches (case-insensitive) or whose key is exactly `idOrKey`, in document order. */
export function findTasks(graph: TaskGraph, idOrKey: string): Task[] {
  const q = String(idOrKey);
  const lower = q.toLowerCase();
  return graph.tasks.filter((t) => t.key === q || t.id.toLowerCase() === lower);
}

function resolve(graph: TaskGraph, taskKey: string): Task {
  const byKey = graph.tasks.find((t) => t.key === taskKey);
  if (byKey !== undefined) return byKey;
  const matches = findTasks(graph, taskKey);
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1)
    throw new AmbiguousTaskError(
      taskKey,
      matches.map((t) => t.key),
    );
  throw new TaskNotFoundError(
    taskKey,
    graph.tasks.map((t) => t.key),
  );
}

/**
 * Keys of the tasks that must be finished before `taskKey` (a key, or a unique id): tasks of the phases it
 * waits for, its explicit dependencies, the file-order predecessor(s) in its phase and earlier tasks naming
 * the same file. Document order. Throws TaskNotFoundError / AmbiguousTaskError.
 */
export function prerequisites(graph: TaskGraph, taskKey: string): string[] {
  const task = resolve(graph, taskKey);
  const plan = planOf(graph);
  const i = graph.tasks.indexOf(task);
  const set = new Set<number>(plan.direct[i]);
  for (const g of plan.gating[plan.group[i]!] ?? []) for (const j of plan.groupTasks[g]!) set.add(j);
  set.delete(i);
  return [...set].sort((a, b) => a - b).map((j) => graph.tasks[j]!.key);
}

/**
 * Open tasks (state open or partial, and not listed in `done`) all of whose prerequisites are satisfied.
 * A prerequisite is satisfied when its state is done/skipped or its id or key is in `done`.
 */
export function readyTasks(graph: TaskGraph, done?: Iterable<string>): Task[] {
  const doneSet = new Set<string>();
  if (done !== undefined && done !== null) for (const d of done) doneSet.add(String(d));
  const plan = planOf(graph);
  const tasks = graph.tasks;
  const sat = tasks.map((t) => isSatisfied(t, doneSet));
  const complete = plan.groupTasks.map((members) => members.every((j) => sat[j]));
  const out: Task[] = [];
  for (let i = 0; i < tasks.length; i++) {
    const t = tasks[i]!;
    if (t.state !== 'open' && t.state !== 'partial') continue;
    if (doneSet.has(t.id) || doneSet.has(t.key)) continue;
    if (!(plan.gating[plan.group[i]!] ?? []).every((g) => complete[g])) continue;
    if (!plan.direct[i]!.every((j) => sat[j])) continue;
    out.push(t);
  }
  return out;
}

/** The done character the file already uses: `x` when lowercase `[x]` dominates, else `X`. */
function doneStyle(graph: TaskGraph): 'x' | 'X' {
  let lower = 0;
  let upper = 0;
  for (const t of graph.tasks) {
    if (t.checkbox === null) continue;
    const ch = t.raw[t.checkbox - 1];
    if (ch === 'x') lower++;
    else if (ch === 'X') upper++;
  }
  return lower > upper ? 'x' : 'X';
}

/**
 * Tick one task: the same string with only that task's checkbox character replaced by the file's done
 * character. Already-done tasks are returned unchanged. Throws TaskNotFoundError, AmbiguousTaskError or
 * TaskNotMarkableError (task without a checkbox).
 */
export function markDone(markdown: string, taskKey: string): string {
  const graph = parseTasks(markdown);
  const task = resolve(graph, taskKey);
  if (task.checkbox === null) throw new TaskNotMarkableError(task.key, task.line);
  if (task.state === 'done') return markdown;
  const { starts } = splitLines(markdown);
  const offset = starts[task.line - 1]! + task.checkbox - 1;
  return markdown.slice(0, offset) + doneStyle(graph) + markdown.slice(offset + 1);
}
