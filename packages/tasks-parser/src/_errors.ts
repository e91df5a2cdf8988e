/** Base class of every error this package throws. `code` is stable; match on it, not on the message. */
export class TasksParserError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TasksParserError';
    this.code = code;
  }
}

/** No task has this key (or id). */
export class TaskNotFoundError extends TasksParserError {
  readonly taskKey: string;
  constructor(taskKey: string, known: string[], options?: { cause?: unknown }) {
    const sample = known.slice(0, 8).join(', ');
    super(
      'E_TASK_NOT_FOUND',
      `No task with key or id "${taskKey}" in tasks.md; expected one of: ${sample || '(the file has no tasks)'}${
        known.length > 8 ? `, … (${known.length} in all)` : ''
      }.`,
      options,
    );
    this.name = 'TaskNotFoundError';
    this.taskKey = taskKey;
  }
}

/** An id names several tasks (duplicate ids); pass the task's key (`T005@42`) instead. */
export class AmbiguousTaskError extends TasksParserError {
  readonly taskKey: string;
  readonly candidates: string[];
  constructor(taskKey: string, candidates: string[]) {
    super(
      'E_TASK_AMBIGUOUS',
      `Task id "${taskKey}" is used by ${candidates.length} tasks; expected a unique key, received an id. Use one of: ${candidates.join(', ')}.`,
    );
    this.name = 'AmbiguousTaskError';
    this.taskKey = taskKey;
    this.candidates = candidates;
  }
}

/** The task has no `[ ]` checkbox (bold-id item, `T001:` paragraph, table row), so it cannot be ticked. */
export class TaskNotMarkableError extends TasksParserError {
  readonly taskKey: string;
  constructor(taskKey: string, line: number) {
    super(
      'E_TASK_NO_CHECKBOX',
      `Task "${taskKey}" (line ${line}) has no checkbox; expected a "- [ ] ${taskKey} …" line, received a task without "[ ]". Add a checkbox to the line to make it markable.`,
    );
    this.name = 'TaskNotMarkableError';
    this.taskKey = taskKey;
  }
}
