/** Types of the spec-kit task graph. Runtime-free. */

export type PhaseKind = 'setup' | 'foundational' | 'story' | 'polish' | 'other';
export type TaskState = 'open' | 'done' | 'partial' | 'skipped';
export type TaskMode = 'async' | 'sync' | 'unmarked';
export type Severity = 'error' | 'warning' | 'info';

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
  /** Stable key: unique even when ids repeat (`T005@42`). */
  key: string;
  id: string;
  title: string;
  line: number;
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
}

export interface Diagnostic {
  severity: Severity;
  line: number;
  column: number;
  code: string;
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
