/** Types of the spec-kit task graph. Runtime-free. */

export type PhaseKind = 'setup' | 'foundational' | 'story' | 'polish' | 'other';
export type TaskState = 'open' | 'done' | 'partial' | 'skipped';
export type TaskMode = 'async' | 'sync' | 'unmarked';
export type Severity = 'error' | 'warning' | 'info';

/** Every diagnostic code the parser can emit (see README for the table). */
export type DiagnosticCode =
  | 'missing-id'
  | 'unknown-checkbox'
  | 'duplicate-id'
  | 'unknown-marker'
  | 'marker-before-id'
  | 'conflicting-mode'
  | 'no-checkbox'
  | 'dangling-dependency'
  | 'self-dependency'
  | 'range-too-large'
  | 'dependency-cycle'
  | 'file-conflict'
  | 'no-tasks'
  | 'internal-error';

export interface Phase {
  /** 1-based index in document order (stable key). */
  index: number;
  /** Number as written ("3", "3.1"), or null when the heading has none. */
  number: string | null;
  title: string;
  kind: PhaseKind;
  /** Story number for story phases ("User Story 2" → 2). */
  story: number | null;
  /** Priority as written ("P1"), or null. */
  priority: string | null;
  mvp: boolean;
  line: number;
}

export interface Task {
  /** Stable key: the id when it is unique in the file, else `${id}@${line}` (`T005@42`). */
  key: string;
  id: string;
  title: string;
  line: number;
  /** 1-based column (UTF-16 code units) of the task id in `raw`. */
  column: number;
  state: TaskState;
  parallel: boolean;
  stories: number[];
  mode: TaskMode;
  /** Other bracket tags, without brackets. */
  tags: string[];
  files: string[];
  /** Index of the phase the task belongs to, or null before the first phase heading. */
  phase: number | null;
  dependsOn: string[];
  /** Indented sub-items as written (markers stripped of leading indentation), one per line. */
  body: string[];
  raw: string;
  /**
   * 1-based column of the state character inside `[ ]`, or null when the task has no checkbox
   * (`- **T-001**: …` items, `T001: …` paragraphs, table rows). `markDone` rewrites this character.
   */
  checkbox: number | null;
  /**
   * True when the task states its own prerequisites (`(depends on …)`, a `Dependency:` sub-bullet or a
   * table column), even "none". Such a task gets no implicit file-order prerequisites.
   */
  declaresDeps: boolean;
}

export interface Diagnostic {
  severity: Severity;
  line: number;
  column: number;
  code: DiagnosticCode;
  message: string;
}

export interface TaskGraph {
  path: string | null;
  feature: string | null;
  phases: Phase[];
  tasks: Task[];
  diagnostics: Diagnostic[];
}

export interface ParseOptions {
  /** Path of the file, used for `feature` (from `specs/NNN-name/`) and in messages. */
  path?: string;
}
