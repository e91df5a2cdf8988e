import { execFileSync } from 'node:child_process';
import { InvalidBranchNameError } from './errors.js';
import type { BranchNameOptions } from './types.js';

/** Default branch template: the feature branch name, a dash, the lower-cased task id. */
export const DEFAULT_BRANCH_TEMPLATE = '{branch}-{task}';

const PLACEHOLDER = /\{([^{}]*)\}/g;

/**
 * Build a task branch name from a template and validate it with `git check-ref-format --branch`.
 *
 * `branchName({ branch: '042-calendar-sync', task: 'T006' })` → `042-calendar-sync-t006`.
 * Throws `InvalidBranchNameError` (code `E_INVALID_BRANCH`).
 */
export function branchName(options: BranchNameOptions): string {
  const template = options.template ?? DEFAULT_BRANCH_TEMPLATE;
  const task = options.task?.trim();
  if (!task) throw new InvalidBranchNameError(template, 'the task id is empty');
  const feature = options.feature ?? options.branch;
  const branch = options.branch ?? options.feature;
  const values: Record<string, string | undefined> = {
    feature,
    branch,
    task: task.toLowerCase(),
    TASK: task,
  };
  const name = template.replace(PLACEHOLDER, (whole, key: string) => {
    if (!(key in values)) {
      throw new InvalidBranchNameError(
        template,
        `unknown placeholder ${whole} in the template (known: {feature}, {branch}, {task}, {TASK})`,
      );
    }
    const value = values[key];
    if (value === undefined || value === '') {
      throw new InvalidBranchNameError(
        template,
        `the template uses ${whole} but no feature or branch was given`,
      );
    }
    return value;
  });
  validateBranchName(name);
  return name;
}

const validated = new Set<string>();

/** Throw `InvalidBranchNameError` unless `git check-ref-format --branch <name>` accepts `name` unchanged. */
export function validateBranchName(name: string): void {
  if (validated.has(name)) return;
  if (name === '') throw new InvalidBranchNameError(name, 'the name is empty');
  if (name.startsWith('-')) throw new InvalidBranchNameError(name, 'a branch name cannot start with "-"');
  if (name.includes('@{')) throw new InvalidBranchNameError(name, 'a branch name cannot contain "@{"');
  let output: string;
  try {
    output = execFileSync('git', ['check-ref-format', '--branch', name], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LC_ALL: 'C', LANGUAGE: 'C' },
    }).trim();
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim();
    throw new InvalidBranchNameError(
      name,
      `git check-ref-format --branch refused it (${stderr || 'no output'})`,
      {
        cause: error,
      },
    );
  }
  if (output !== name) {
    throw new InvalidBranchNameError(name, `git check-ref-format --branch normalised it to '${output}'`);
  }
  validated.add(name);
}
