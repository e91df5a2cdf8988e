export { findTasks, markDone, parseTasks, prerequisites, readyTasks } from './_api.js';
export { featureFromPath } from './_build.js';
export { AmbiguousTaskError, TaskNotFoundError, TaskNotMarkableError, TasksParserError } from './_errors.js';
export type {
  Diagnostic,
  DiagnosticCode,
  ParseOptions,
  Phase,
  PhaseKind,
  Severity,
  Task,
  TaskGraph,
  TaskMode,
  TaskState,
} from './types.js';
