import { execFile, execFileSync } from 'node:child_process';
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
  const name = renderBranchName(options);
  validateBranchName(name);
  return name;
}

/** Fill the template without validating the result (`createTaskWorktree` validates asynchronously). */
export function renderBranchName(options: BranchNameOptions): string {
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
  return name;
}

const validated = new Set<string>();

const checkEnv = () => ({ ...process.env, LC_ALL: 'C', LANGUAGE: 'C' });

/** Cheap checks before asking git; true when `name` was already validated. */
function precheck(name: string): boolean {
  if (validated.has(name)) return true;
  if (name === '') throw new InvalidBranchNameError(name, 'the name is empty');
  if (name.startsWith('-')) throw new InvalidBranchNameError(name, 'a branch name cannot start with "-"');
  if (name.includes('@{')) throw new InvalidBranchNameError(name, 'a branch name cannot contain "@{"');
  return false;
}

function verdict(name: string, error: unknown, stdout: string, stderr: string): void {
  if (error) {
    const detail = `git check-ref-format --branch refused it (${stderr.trim() || 'no output'})`;
    throw new InvalidBranchNameError(name, detail, { cause: error });
  }
  const output = stdout.trim();
  if (output !== name) {
    throw new InvalidBranchNameError(name, `git check-ref-format --branch normalised it to '${output}'`);
  }
  validated.add(name);
}

/** Throw `InvalidBranchNameError` unless `git check-ref-format --branch <name>` accepts `name` unchanged. */
export function validateBranchName(name: string): void {
  if (precheck(name)) return;
  let stdout: string;
  try {
    stdout = execFileSync('git', ['check-ref-format', '--branch', name], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: checkEnv(),
    });
  } catch (error) {
    verdict(name, error, '', String((error as { stderr?: unknown }).stderr ?? ''));
    return;
  }
  verdict(name, null, stdout, '');
}

/** Same as {@link validateBranchName} without blocking the event loop. */
export function validateBranchNameAsync(name: string): Promise<void> {
  if (precheck(name)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      ['check-ref-format', '--branch', name],
      { encoding: 'utf8', env: checkEnv() },
      (error, out, err) => {
        try {
          verdict(name, error, out, err);
          resolve();
        } catch (e) {
          reject(e);
        }
      },
    );
  });
}
