/**
 * Execution order: which tasks must finish before which. Computed from the graph's plain fields (phases,
 * parallel, files, dependsOn, declaresDeps), so a graph read back from JSON plans the same way.
 *
 * Groups: 0 holds tasks before the first phase; group p (1…) holds the tasks of phase index p.
 * Gating: group q waits for every earlier group p, except that a story phase never waits for another story
 * phase. Phase waits are kept per group (not expanded per task) so large files stay linear.
 */
import type { DiagnosticCode, Severity, Task, TaskGraph } from './types.js';

export interface Plan {
  /** Group of each task. */
  group: number[];
  /** Tasks (indices) of each group, in document order. */
  groupTasks: number[][];
  /** Groups each group waits for. */
  gating: number[][];
  /** Direct prerequisites of each task (indices): explicit, file order and same-file. */
  direct: number[][];
  index: Map<string, number>;
}

export type Report = (
  severity: Severity,
  code: DiagnosticCode,
  line: number,
  column: number,
  message: string,
) => void;

const plans = new WeakMap<TaskGraph, Plan>();

export function rememberPlan(graph: TaskGraph, plan: Plan): void {
  plans.set(graph, plan);
}

export function planOf(graph: TaskGraph): Plan {
  let plan = plans.get(graph);
  if (plan === undefined) {
    plan = buildPlan(graph);
    plans.set(graph, plan);
  }
  return plan;
}

const MAX_VISITS = 20_000;

export function buildPlan(graph: TaskGraph, report?: Report): Plan {
  const tasks = graph.tasks;
  const n = tasks.length;
  const phaseIndexes = graph.phases.map((p) => p.index).sort((a, b) => a - b);
  const groupCount = (phaseIndexes[phaseIndexes.length - 1] ?? 0) + 1;
  const isStory = new Array<boolean>(groupCount).fill(false);
  for (const p of graph.phases)
    if (p.index >= 0 && p.index < groupCount) isStory[p.index] = p.kind === 'story';

  const group = tasks.map((t) => (t.phase !== null && t.phase > 0 && t.phase < groupCount ? t.phase : 0));
  const groupTasks: number[][] = Array.from({ length: groupCount }, () => []);
  for (let i = 0; i < n; i++) groupTasks[group[i]!]!.push(i);

  const gating: number[][] = [];
  for (let q = 0; q < groupCount; q++) {
    const waits: number[] = [];
    for (let p = 0; p < q; p++) {
      if (groupTasks[p]!.length === 0) continue;
      if (isStory[p] && isStory[q]) continue;
      waits.push(p);
    }
    gating.push(waits);
  }
  const gatingSet = gating.map((g) => new Set(g));

  const byId = new Map<string, number[]>();
  const index = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const t = tasks[i]!;
    const list = byId.get(t.id);
    if (list === undefined) byId.set(t.id, [i]);
    else list.push(i);
    index.set(t.key, i);
  }

  const direct: number[][] = Array.from({ length: n }, () => []);
  const add = (i: number, j: number): void => {
    if (i !== j && !direct[i]!.includes(j)) direct[i]!.push(j);
  };

  // Explicit dependencies. A duplicated id resolves to its nearest occurrence above the referring task
  // (else the first one below it).
  for (let i = 0; i < n; i++) {
    for (const id of tasks[i]!.dependsOn) {
      const candidates = (byId.get(id) ?? []).filter((j) => j !== i);
      if (candidates.length === 0) continue;
      const above = candidates.filter((j) => j < i);
      add(i, above.length > 0 ? above[above.length - 1]! : candidates[0]!);
    }
  }

  // File order inside each group, for tasks that do not state their own dependencies.
  for (const members of groupTasks) {
    let lastSeq = -1;
    let parallelSince: number[] = [];
    for (const i of members) {
      const t = tasks[i]!;
      if (!t.declaresDeps) {
        if (lastSeq >= 0) add(i, lastSeq);
        if (!t.parallel) for (const j of parallelSince) add(i, j);
      }
      if (t.parallel) parallelSince.push(i);
      else {
        lastSeq = i;
        parallelSince = [];
      }
    }
  }

  // Is `from` already ordered after `to` (through direct edges or phase gating)?
  const reaches = (from: number, to: number): boolean => {
    const target = group[to]!;
    const seen = new Set<number>([from]);
    const stack = [from];
    while (stack.length > 0) {
      if (seen.size > MAX_VISITS) return false;
      const v = stack.pop()!;
      if (v === to || gatingSet[group[v]!]!.has(target)) return true;
      for (const w of direct[v]!) {
        if (!seen.has(w)) {
          seen.add(w);
          stack.push(w);
        }
      }
    }
    return false;
  };

  // No two tasks naming the same file side by side: the later one waits for the earlier one.
  const lastFor = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const t = tasks[i]!;
    const hasDir = t.files.some((f) => f.includes('/'));
    for (const file of t.files) {
      // Directories overlap by design; a bare name next to directory paths ("types.ts") is too ambiguous.
      if (file.endsWith('/') || file.endsWith('*') || (hasDir && !file.includes('/'))) continue;
      const j = lastFor.get(file);
      lastFor.set(file, i);
      if (j === undefined || direct[i]!.includes(j)) continue;
      if (reaches(i, j) || reaches(j, i)) continue;
      add(i, j);
      const e = tasks[j]!;
      report?.(
        'warning',
        'file-conflict',
        t.line,
        t.column,
        `Tasks ${e.key} (line ${e.line}) and ${t.key} both name ${file} and could otherwise run at the same time; ${t.key} will wait for ${e.key}. Drop [P] from one of them or add "(depends on ${e.id})".`,
      );
    }
  }

  for (const d of direct) d.sort((a, b) => a - b);
  const plan: Plan = { group, groupTasks, gating, direct, index };
  // Every edge but an explicit forward reference points to an earlier task (or an earlier phase), so a
  // cycle needs at least one forward edge.
  if (report !== undefined && direct.some((d, i) => d.length > 0 && d[d.length - 1]! > i)) {
    reportCycles(tasks, plan, report);
  }
  return plan;
}

/** Tarjan's SCC (iterative) over tasks + one "entry" and one "barrier" node per group. */
function reportCycles(tasks: Task[], plan: Plan, report: Report): void {
  const n = tasks.length;
  const g = plan.groupTasks.length;
  const entry = (q: number): number => n + q;
  const barrier = (q: number): number => n + g + q;
  const total = n + 2 * g;
  const edges = (v: number): number[] => {
    if (v < n) return [...plan.direct[v]!, entry(plan.group[v]!)];
    if (v < n + g) return plan.gating[v - n]!.map(barrier);
    return plan.groupTasks[v - n - g]!;
  };
  const idx = new Int32Array(total).fill(-1);
  const low = new Int32Array(total);
  const onStack = new Uint8Array(total);
  const stack: number[] = [];
  let counter = 0;
  for (let root = 0; root < n; root++) {
    if (idx[root] !== -1) continue;
    const work: Array<{ v: number; out: number[]; k: number }> = [];
    const push = (v: number): void => {
      idx[v] = low[v] = counter++;
      stack.push(v);
      onStack[v] = 1;
      work.push({ v, out: edges(v), k: 0 });
    };
    push(root);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      if (frame.k < frame.out.length) {
        const w = frame.out[frame.k++]!;
        if (idx[w] === -1) push(w);
        else if (onStack[w] === 1) low[frame.v] = Math.min(low[frame.v]!, idx[w]!);
        continue;
      }
      work.pop();
      const v = frame.v;
      if (work.length > 0) {
        const parent = work[work.length - 1]!.v;
        low[parent] = Math.min(low[parent]!, low[v]!);
      }
      if (low[v] !== idx[v]) continue;
      const scc: number[] = [];
      let w: number;
      do {
        w = stack.pop()!;
        onStack[w] = 0;
        scc.push(w);
      } while (w !== v);
      const members = scc.filter((x) => x < n).sort((a, b) => a - b);
      if (members.length === 0 || scc.length < 2) continue;
      const first = tasks[members[0]!]!;
      const names = members.slice(0, 10).map((x) => tasks[x]!.key);
      const viaPhase = scc.some((x) => x >= n);
      report(
        'error',
        'dependency-cycle',
        first.line,
        first.column,
        `Dependency cycle between ${names.join(', ')}${members.length > 10 ? `, … (${members.length} tasks)` : ''}${
          viaPhase ? ' (through phase order: a task depends on a task of a later phase)' : ''
        }; none of them can become ready. Remove one of the dependencies.`,
      );
    }
  }
}

export function isSatisfied(t: Task, done: ReadonlySet<string>): boolean {
  return t.state === 'done' || t.state === 'skipped' || done.has(t.id) || done.has(t.key);
}
