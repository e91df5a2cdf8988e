/** Blocks (from the mdast walk) → TaskGraph. Pure: no I/O, never throws on any input. */
import {
  bodyDependency,
  bodyFileLine,
  classifyMarkers,
  type DependencyList,
  extractPaths,
  type Head,
  matchBullet,
  matchCheckbox,
  modeOf,
  parseDescription,
  parseHead,
  splitRow,
  stateOf,
} from './_line.js';
import { buildPlan, rememberPlan } from './_plan.js';
import { makeSkeleton, splitLines } from './_source.js';
import { blocksOf } from './_structure.js';
import type {
  Diagnostic,
  DiagnosticCode,
  ParseOptions,
  Phase,
  PhaseKind,
  Severity,
  Task,
  TaskGraph,
  TaskState,
} from './types.js';

interface Draft {
  task: Task;
  /** Last line of the block the task owns (list item end). */
  endLine: number;
  /** Extra body ranges (sub-bullet lists under a `T001:` paragraph). */
  ranges: Array<[number, number]>;
  allPrior: boolean;
  nested: Draft[];
  kind: 'item' | 'paragraph' | 'table';
  struck: boolean;
}

const PHASE_RE = /^[^\p{L}\p{N}]*Phase\s+(\d+(?:\.\d+)*|[A-Z])\b[ \t]*(?:[:：.)\-–—][ \t]*)?(.*)$/iu;
const LEADING_NUMBER_RE = /^(\d+(?:\.\d+)*)[.):]?\s+(.*)$/;
const STORY_RE = /\bUser\s+Stor(?:y|ies)\s*#?\s*(\d+)|\bUS-?(\d+)\b|\bStory\s+#?(\d+)/i;
const PRIORITY_RE = /\bPriority\s*[:=]?\s*(P\d+)\b/i;
const MVP_RE = /\bMVP\b/;

export function headingText(line: string): string {
  return line
    .replace(/^\s{0,3}#{1,6}(?:[ \t]+|$)/, '')
    .replace(/[ \t]+#+[ \t]*$/, '')
    .trim();
}

function plain(text: string): string {
  return text.replace(/\*\*|__/g, '').trim();
}

export function phaseKind(title: string): { kind: PhaseKind; story: number | null } {
  const s = STORY_RE.exec(title);
  if (s !== null) return { kind: 'story', story: Number(s[1] ?? s[2] ?? s[3]) };
  if (/\bset[- ]?up\b|scaffold|\binitiali[sz]/i.test(title)) return { kind: 'setup', story: null };
  if (/foundation|blocking\s+prereq|\bprerequisites?\b/i.test(title))
    return { kind: 'foundational', story: null };
  if (/polish|cross[- ]cutting/i.test(title)) return { kind: 'polish', story: null };
  return { kind: 'other', story: null };
}

function makePhase(index: number, number: string | null, title: string, line: number): Phase {
  const { kind, story } = phaseKind(title);
  const pr = PRIORITY_RE.exec(title);
  return {
    index,
    number,
    title,
    kind,
    story,
    priority: pr === null ? null : pr[1]!.toUpperCase(),
    mvp: MVP_RE.test(title),
    line,
  };
}

export function featureFromPath(path: string): string | null {
  if (typeof path !== 'string') return null;
  const m = /(?:^|[\\/])specs[\\/]([^\\/]+)(?:[\\/](?:[^\\/]+\.md)?)?$/.exec(path.trim());
  return m === null ? null : m[1]!;
}

class Diagnostics {
  readonly list: Diagnostic[] = [];
  add(severity: Severity, code: DiagnosticCode, line: number, column: number, message: string): void {
    this.list.push({ severity, line, column, code, message });
  }
}

export function buildGraph(markdown: string, opts: ParseOptions = {}): TaskGraph {
  const path = typeof opts.path === 'string' ? opts.path : null;
  const src = splitLines(markdown);
  const lines = src.lines;
  const blocks = blocksOf(makeSkeleton(lines));
  const diags = new Diagnostics();
  const phases: Phase[] = [];
  const drafts: Draft[] = [];
  const lineOf = (n: number): string => lines[n - 1] ?? '';

  let current: { phase: Phase; depth: number } | null = null;
  let candidate: { line: number; depth: number } | null = null;
  let seenHeading = false;
  const open: Draft[] = [];

  const phaseForTask = (): number | null => {
    if (current === null && candidate !== null) {
      const text = plain(headingText(lineOf(candidate.line)));
      const num = LEADING_NUMBER_RE.exec(text);
      const phase = makePhase(
        phases.length + 1,
        num === null ? null : num[1]!,
        num === null ? text : num[2]!.trim(),
        candidate.line,
      );
      phases.push(phase);
      current = { phase, depth: candidate.depth };
      candidate = null;
    }
    return current === null ? null : current.phase.index;
  };

  const newTask = (
    head: Head,
    line: number,
    baseIndex: number,
    state: TaskState,
    checkbox: number | null,
    kind: Draft['kind'],
    endLine: number,
  ): Draft => {
    const desc = parseDescription(head.description);
    const markers = classifyMarkers([...head.markers, ...desc.markers]);
    const column = baseIndex + head.idIndex + 1;
    for (const tag of markers.unknown) {
      diags.add(
        'info',
        'unknown-marker',
        line,
        column,
        `Task ${head.id} has an unrecognised marker [${tag}]; it is kept in "tags". Known markers are [P], [SYNC], [ASYNC], [USn] and requirement ids such as [FR-001].`,
      );
    }
    if (markers.sync && markers.async) {
      diags.add(
        'warning',
        'conflicting-mode',
        line,
        column,
        `Task ${head.id} is marked both [SYNC] and [ASYNC]; it is treated as [SYNC] (human review). Keep only one of the two markers.`,
      );
    }
    if (head.markerBeforeId) {
      diags.add(
        'info',
        'marker-before-id',
        line,
        column,
        `Task ${head.id} has markers before its id; the fork's scripts only see "- [ ] ${head.id} [P] [SYNC|ASYNC] [USn] …". Move the id right after the checkbox.`,
      );
    }
    const files = extractPaths(desc.title);
    const task: Task = {
      key: head.id,
      id: head.id,
      title: desc.title,
      line,
      column,
      state: desc.struck && state === 'open' ? 'skipped' : state,
      parallel: markers.parallel,
      stories: markers.stories,
      mode: modeOf(markers),
      tags: markers.tags,
      files,
      phase: phaseForTask(),
      dependsOn: [],
      body: [],
      raw: lineOf(line),
      checkbox,
      declaresDeps: false,
    };
    const draft: Draft = {
      task,
      endLine,
      ranges: [],
      allPrior: false,
      nested: [],
      kind,
      struck: desc.struck,
    };
    for (const d of desc.deps) applyDeps(draft, d, line, column);
    drafts.push(draft);
    return draft;
  };

  const applyDeps = (draft: Draft, d: DependencyList, line: number, column: number): void => {
    draft.task.declaresDeps = true;
    if (d.allPrior) draft.allPrior = true;
    for (const id of d.ids) if (!draft.task.dependsOn.includes(id)) draft.task.dependsOn.push(id);
    for (const r of d.oversized) {
      diags.add(
        'warning',
        'range-too-large',
        line,
        column,
        `Dependency range ${r} of task ${draft.task.id} spans more than 500 ids; only its two ends are used. Write the range out or split it.`,
      );
    }
  };

  for (const block of blocks) {
    switch (block.kind) {
      case 'heading': {
        const text = plain(headingText(lineOf(block.line)));
        const pm = PHASE_RE.exec(text);
        if (pm !== null) {
          const phase = makePhase(phases.length + 1, pm[1]!, pm[2]!.trim() || text, block.line);
          phases.push(phase);
          current = { phase, depth: block.depth };
          candidate = null;
        } else if (current !== null && block.depth > current.depth) {
          // A sub-section ("### Tests for User Story 1") stays in its phase.
        } else {
          current = null;
          candidate = block.depth === 1 && !seenHeading ? null : { line: block.line, depth: block.depth };
        }
        seenHeading = true;
        break;
      }
      case 'item': {
        while (open.length > 0 && open[open.length - 1]!.endLine < block.line) open.pop();
        const parent = open.length > 0 ? open[open.length - 1]! : null;
        const text = lineOf(block.line);
        const cb = matchCheckbox(text);
        let draft: Draft | null = null;
        if (cb !== null) {
          const state = stateOf(cb.stateChar);
          const head = parseHead(cb.rest);
          if (state !== null && head !== null) {
            draft = newTask(head, block.line, cb.restIndex, state, cb.stateIndex + 1, 'item', block.endLine);
          } else if (state === null && head !== null) {
            diags.add(
              'warning',
              'unknown-checkbox',
              block.line,
              cb.stateIndex + 1,
              `Task ${head.id} has an unknown checkbox "[${cb.stateChar}]"; it is not read as a task. Use [ ] open, [x] done, [~] partial or [-] skipped.`,
            );
          } else if (state !== null && parent === null) {
            const inPhase = current !== null;
            diags.add(
              inPhase ? 'warning' : 'info',
              'missing-id',
              block.line,
              cb.restIndex + 1,
              `Checkbox line has no task id, so it is not a task${inPhase ? '' : ' (checklist item outside any phase)'}. Start the text with an id, e.g. "- [ ] T001 …".`,
            );
          }
        } else if (!block.ordered) {
          const b = matchBullet(text);
          const head = b === null ? null : parseHead(b.rest);
          if (b !== null && head?.emphasised === true && !head.markerBeforeId) {
            draft = newTask(head, block.line, b.restIndex, 'open', null, 'item', block.endLine);
            diags.add(
              'info',
              'no-checkbox',
              block.line,
              draft.task.column,
              `Task ${head.id} has no checkbox; it is read as open and cannot be ticked by markDone. Write "- [ ] ${head.id} …" to make it markable.`,
            );
          }
        }
        if (draft !== null) {
          if (parent !== null) parent.nested.push(draft);
          open.push(draft);
        }
        break;
      }
      case 'paragraph': {
        const text = lineOf(block.line);
        const m = /^\s{0,3}(.*)$/.exec(text);
        const rest = m === null ? text : m[1]!;
        const head = parseHead(rest);
        if (head === null || !head.emphasised || head.markerBeforeId) break;
        const draft = newTask(
          head,
          block.line,
          text.length - rest.length,
          'open',
          null,
          'paragraph',
          block.endLine,
        );
        draft.ranges.push(...block.lists);
        diags.add(
          'info',
          'no-checkbox',
          block.line,
          draft.task.column,
          `Task ${head.id} is a paragraph without a checkbox; it is read as open and cannot be ticked by markDone. Write "- [ ] ${head.id} …" to make it markable.`,
        );
        break;
      }
      case 'table':
        tableTasks(block.rows, lineOf, newTask, applyDeps, diags);
        break;
    }
  }

  // Bodies, body dependencies and File: lines.
  for (const draft of drafts) {
    const t = draft.task;
    const skip = draft.nested.map((n) => [n.task.line, n.endLine] as const);
    const ranges: Array<[number, number]> = [];
    if (draft.kind !== 'table') ranges.push([t.line + 1, draft.endLine]);
    ranges.push(...draft.ranges);
    for (const [from, to] of ranges) {
      for (let l = from; l <= to; l++) {
        if (skip.some(([a, b]) => l >= a && l <= b)) continue;
        const text = lineOf(l).trim();
        if (text === '') continue;
        t.body.push(text);
        const dep = bodyDependency(text);
        if (dep !== null) applyDeps(draft, dep, l, 1);
        const fileText = bodyFileLine(text);
        if (fileText !== null)
          for (const f of extractPaths(fileText)) if (!t.files.includes(f)) t.files.push(f);
      }
    }
  }

  const tasks = drafts.map((d) => d.task);
  dropEchoPhases(phases, tasks);
  finishIds(drafts, diags);
  if (tasks.length === 0) {
    diags.add(
      'info',
      'no-tasks',
      1,
      1,
      'No tasks found. Tasks are list items such as "- [ ] T001 Description"; lines in code fences and HTML comments are ignored.',
    );
  }
  const graph: TaskGraph = {
    path,
    feature: path === null ? null : featureFromPath(path),
    phases,
    tasks,
    diagnostics: diags.list,
  };
  const plan = buildPlan(graph, (severity, code, line, column, message) =>
    diags.add(severity, code, line, column, message),
  );
  rememberPlan(graph, plan);
  diags.list.sort((a, b) => a.line - b.line || a.column - b.column || a.code.localeCompare(b.code));
  return graph;
}

/**
 * A "Phase N" heading with no tasks whose number an earlier phase already has is a reference (e.g.
 * "### Phase 3 — US1 parallelizable tasks" under "Parallel Examples"), not a phase: drop it and re-index.
 */
function dropEchoPhases(phases: Phase[], tasks: Task[]): void {
  const used = new Set<number>();
  for (const t of tasks) if (t.phase !== null) used.add(t.phase);
  const seen = new Set<string>();
  const keep: Phase[] = [];
  for (const p of phases) {
    const echo = p.number !== null && seen.has(p.number) && !used.has(p.index);
    if (p.number !== null) seen.add(p.number);
    if (!echo) keep.push(p);
  }
  if (keep.length === phases.length) return;
  const remap = new Map<number, number>();
  keep.forEach((p, i) => {
    remap.set(p.index, i + 1);
    p.index = i + 1;
  });
  for (const t of tasks) if (t.phase !== null) t.phase = remap.get(t.phase) ?? null;
  phases.splice(0, phases.length, ...keep);
}

function finishIds(drafts: Draft[], diags: Diagnostics): void {
  const byId = new Map<string, Draft[]>();
  for (const d of drafts) {
    const list = byId.get(d.task.id);
    if (list === undefined) byId.set(d.task.id, [d]);
    else list.push(d);
  }
  for (const [id, list] of byId) {
    if (list.length < 2) continue;
    for (const d of list) d.task.key = `${id}@${d.task.line}`;
    const first = list[0]!.task;
    for (const d of list.slice(1)) {
      diags.add(
        'error',
        'duplicate-id',
        d.task.line,
        d.task.column,
        `Task id ${id} is already used on line ${first.line}; both tasks are kept (keys ${first.key} and ${d.task.key}) and "depends on ${id}" means the nearest ${id} above the referring task. Give each task its own id.`,
      );
    }
  }
  // `Dependency: all prior tasks` and dangling / self references.
  for (let i = 0; i < drafts.length; i++) {
    const d = drafts[i]!;
    const t = d.task;
    if (d.allPrior) {
      for (let j = 0; j < i; j++) {
        const id = drafts[j]!.task.id;
        if (!t.dependsOn.includes(id)) t.dependsOn.push(id);
      }
    }
    for (const id of t.dependsOn) {
      if (id === t.id) {
        diags.add(
          'warning',
          'self-dependency',
          t.line,
          t.column,
          `Task ${t.id} depends on itself; the reference is ignored. Remove ${id} from its dependencies.`,
        );
      } else if (!byId.has(id)) {
        diags.add(
          'warning',
          'dangling-dependency',
          t.line,
          t.column,
          `Task ${t.id} depends on ${id}, which is not a task in this file; the reference is ignored for readiness. Fix the id or add the task.`,
        );
      }
    }
  }
}

const DONE_MARK = /✅|✔️?|☑️?/;

function tableTasks(
  rows: number[],
  lineOf: (n: number) => string,
  newTask: (
    head: Head,
    line: number,
    baseIndex: number,
    state: TaskState,
    checkbox: number | null,
    kind: Draft['kind'],
    endLine: number,
  ) => Draft,
  applyDeps: (draft: Draft, d: DependencyList, line: number, column: number) => void,
  diags: Diagnostics,
): void {
  if (rows.length < 2) return;
  const headerLine = lineOf(rows[0]!);
  const header = splitRow(headerLine).map(([a, b]) => plain(headerLine.slice(a, b)).toLowerCase());
  const find = (re: RegExp): number => header.findIndex((h) => re.test(h));
  let idCol = find(/^(?:task\s*)?id$|^#$|^no\.?$/);
  const titleCol = find(/^(?:task|title|description|name|summary)\b/);
  const depCol = find(/depend|prereq|blocked|after/);
  const parCol = find(/parallel|\[p\]/);
  const detailCols = header
    .map((h, i) => (/detail|file|path|target/.test(h) ? i : -1))
    .filter((i) => i >= 0 && i !== titleCol);
  if (idCol < 0) idCol = 0;
  // Row 1 is the delimiter row: it is not in the mdast children, so rows[1] is the first body row.
  for (const rowLine of rows.slice(1)) {
    const text = lineOf(rowLine);
    const cells = splitRow(text);
    const cell = (i: number): string => {
      const c = i >= 0 ? cells[i] : undefined;
      return c === undefined ? '' : text.slice(c[0], c[1]);
    };
    const idCell = cell(idCol);
    const m = /^((?:✅|✔️?|☑️?|\[[xX ]\])?\s*)(.*)$/u.exec(idCell);
    const head = parseHead(m === null ? idCell : m[2]!);
    if (head === null || head.markerBeforeId) continue;
    const idStart = cells[idCol]![0] + (m === null ? 0 : m[1]!.length);
    const titleText = titleCol >= 0 ? cell(titleCol) : head.description;
    const done = DONE_MARK.test(idCell) || /^\s*(?:✅|✔️?|☑️?)/u.test(titleText);
    const par = parCol >= 0 ? cell(parCol) : '';
    const markers = [...head.markers];
    if (/\[p\]|^(?:yes|y|✓|✔️?|true|p)$/iu.test(par.trim())) markers.push('P');
    const cleanTitle = titleText.replace(/^\s*(?:✅|✔️?|☑️?)\s*/u, '');
    const draft = newTask(
      { ...head, markers, description: cleanTitle },
      rowLine,
      idStart,
      done ? 'done' : 'open',
      null,
      'table',
      rowLine,
    );
    for (const col of detailCols) {
      for (const f of extractPaths(cell(col))) if (!draft.task.files.includes(f)) draft.task.files.push(f);
    }
    if (depCol >= 0) {
      const depText = plain(cell(depCol));
      const dep = bodyDependency(`Depends on: ${depText === '' ? 'none' : depText}`);
      if (dep !== null) applyDeps(draft, dep, rowLine, draft.task.column);
    }
    diags.add(
      'info',
      'no-checkbox',
      rowLine,
      draft.task.column,
      `Task ${head.id} is a table row; it is read as ${done ? 'done (✅)' : 'open'} and cannot be ticked by markDone. Use "- [ ] ${head.id} …" list items to make tasks markable.`,
    );
  }
}
