import { describe, expect, it } from 'vitest';
import { branchName, DEFAULT_BRANCH_TEMPLATE, validateBranchName } from './branch.js';
import { InvalidBranchNameError } from './errors.js';

describe('branchName', () => {
  it('defaults to {branch}-{task} with the task id lower-cased', () => {
    expect(DEFAULT_BRANCH_TEMPLATE).toBe('{branch}-{task}');
    expect(branchName({ branch: '042-calendar-sync', task: 'T006' })).toBe('042-calendar-sync-t006');
    expect(branchName({ feature: '042-calendar-sync', task: 'T006' })).toBe('042-calendar-sync-t006');
  });

  it('fills {feature}, {branch}, {task} and {TASK}', () => {
    expect(
      branchName({
        template: 'agent/{feature}/{TASK}',
        feature: '042-calendar-sync',
        branch: 'x',
        task: 'T006',
      }),
    ).toBe('agent/042-calendar-sync/T006');
    expect(branchName({ template: '{branch}--{task}', branch: 'feat/a', feature: 'a', task: 'T1' })).toBe(
      'feat/a--t1',
    );
  });

  it.each([
    ['{branch} {task}', 'contains a space'],
    ['{branch}..{task}', 'contains ..'],
    ['{branch}-{task}.lock', 'ends in .lock'],
    ['{branch}~{task}', 'contains ~'],
    ['-{task}', 'starts with -'],
    ['{branch}/', 'ends with /'],
  ])('rejects %s (%s) with E_INVALID_BRANCH naming the bad name and the fix', (template) => {
    let error: unknown;
    try {
      branchName({ template, branch: '042-x', task: 'T1' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidBranchNameError);
    const e = error as InvalidBranchNameError;
    expect(e.code).toBe('E_INVALID_BRANCH');
    expect(e.message).toContain(`'${e.branch}'`);
    expect(e.message).toMatch(/Fix:/);
  });

  it('rejects unknown placeholders, missing values and an empty task id', () => {
    expect(() => branchName({ template: '{branch}-{id}', branch: 'a', task: 'T1' })).toThrow(
      /unknown placeholder \{id\}/,
    );
    expect(() => branchName({ task: 'T1' })).toThrow(/uses \{branch\} but no feature or branch/);
    expect(() => branchName({ branch: 'a', task: ' ' })).toThrow(/task id is empty/);
  });

  it('validates with git check-ref-format --branch', () => {
    expect(() => validateBranchName('ok/name-1')).not.toThrow();
    expect(() => validateBranchName('bad:name')).toThrow(/git check-ref-format --branch refused it/);
    expect(() => validateBranchName('@{-1}')).toThrow(InvalidBranchNameError);
    expect(() => validateBranchName('HEAD')).toThrow(InvalidBranchNameError);
  });
});
