import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { CliError } from './errors.js';

export interface ResolvedTasksFile {
  /** Absolute path of tasks.md. */
  file: string;
  /** The repository root (git top level), or the working directory outside git. */
  root: string;
  /** How the file was found, for messages: "argument", "SPECIFY_FEATURE_DIRECTORY", ".specify/feature.json", "git branch 001-x". */
  how: string;
}

function gitOutput(cwd: string, args: string[]): string | null {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

export function repoRoot(cwd: string): string {
  return gitOutput(cwd, ['rev-parse', '--show-toplevel']) ?? cwd;
}

export function currentBranch(cwd: string): string | null {
  const branch = gitOutput(cwd, ['rev-parse', '--abbrev-ref', 'HEAD']);
  return branch && branch !== 'HEAD' ? branch : null;
}

function tasksFileIn(pathOrDir: string): string {
  return existsSync(pathOrDir) && statSync(pathOrDir).isDirectory() ? join(pathOrDir, 'tasks.md') : pathOrDir;
}

function missing(file: string, how: string, root: string): CliError {
  return new CliError(
    `tasks file not found: ${relative(root, file) || file} (resolved from ${how}).\n` +
      'Pass the path explicitly (asdlc tasks specs/001-feature/tasks.md), or run /speckit.tasks to create it.',
    'E_TASKS_NOT_FOUND',
  );
}

/**
 * Finds tasks.md the way spec-kit finds the active feature: an explicit path (file or feature folder), else
 * `SPECIFY_FEATURE_DIRECTORY`, else `.specify/feature.json`, else the git branch (`specs/<branch>/`, or the
 * folder with the branch's numeric prefix, as older spec-kit did).
 */
export function resolveTasksFile(
  arg: string | undefined,
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedTasksFile {
  const root = repoRoot(cwd);
  const check = (file: string, how: string): ResolvedTasksFile => {
    if (!existsSync(file) || !statSync(file).isFile()) throw missing(file, how, root);
    return { file, root: repoRoot(resolve(file, '..')), how };
  };
  if (arg) return check(tasksFileIn(resolve(cwd, arg)), `the argument "${arg}"`);

  const fromEnv = env.SPECIFY_FEATURE_DIRECTORY;
  if (fromEnv) {
    const dir = isAbsolute(fromEnv) ? fromEnv : join(root, fromEnv);
    return check(join(dir, 'tasks.md'), `SPECIFY_FEATURE_DIRECTORY=${fromEnv}`);
  }

  const featureJson = join(root, '.specify', 'feature.json');
  if (existsSync(featureJson)) {
    let dir: unknown;
    try {
      dir = (JSON.parse(readFileSync(featureJson, 'utf8')) as { feature_directory?: unknown })
        .feature_directory;
    } catch (error) {
      throw new CliError(
        `${featureJson} is not valid JSON: ${(error as Error).message}`,
        'E_FEATURE_JSON',
        2,
        {
          cause: error,
        },
      );
    }
    if (typeof dir === 'string' && dir) {
      return check(
        join(isAbsolute(dir) ? dir : join(root, dir), 'tasks.md'),
        `.specify/feature.json (${dir})`,
      );
    }
  }

  const branch = env.SPECIFY_FEATURE || currentBranch(cwd);
  if (!branch) {
    throw new CliError(
      'no tasks file given and no active feature found: not on a git branch, no SPECIFY_FEATURE_DIRECTORY, ' +
        'no .specify/feature.json.\nPass the path: asdlc tasks specs/001-feature/tasks.md',
      'E_NO_FEATURE',
    );
  }
  const byName = join(root, 'specs', branch, 'tasks.md');
  if (existsSync(byName)) return check(byName, `the git branch "${branch}"`);
  const prefix = /^(\d{3})-/.exec(branch)?.[1];
  const specsDir = join(root, 'specs');
  if (prefix && existsSync(specsDir)) {
    const match = readdirSync(specsDir).find((d) => d.startsWith(`${prefix}-`));
    if (match)
      return check(join(specsDir, match, 'tasks.md'), `the git branch "${branch}" (prefix ${prefix}-)`);
  }
  throw missing(byName, `the git branch "${branch}"`, root);
}
