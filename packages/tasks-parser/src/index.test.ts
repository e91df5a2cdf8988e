import { describe, expect, it } from 'vitest';
import * as api from './index.js';

describe('public API', () => {
  it('exports exactly these names', () => {
    expect(Object.keys(api).sort()).toEqual([
      'AmbiguousTaskError',
      'TaskNotFoundError',
      'TaskNotMarkableError',
      'TasksParserError',
      'featureFromPath',
      'findTasks',
      'markDone',
      'parseTasks',
      'prerequisites',
      'readyTasks',
    ]);
  });

  it('error classes are named, carry a code and extend TasksParserError', () => {
    const err = new api.TaskNotFoundError('T999', ['T001']);
    expect(err).toBeInstanceOf(api.TasksParserError);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('TaskNotFoundError');
    expect(err.code).toBe('E_TASK_NOT_FOUND');
    expect(new api.AmbiguousTaskError('T01', ['T01@3', 'T01@4']).code).toBe('E_TASK_AMBIGUOUS');
    expect(new api.TaskNotMarkableError('T-001', 6).code).toBe('E_TASK_NO_CHECKBOX');
  });
});
