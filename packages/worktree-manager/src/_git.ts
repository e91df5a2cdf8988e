import { GitError, type SimpleGitOptions, simpleGit } from 'simple-git';
import { GitCommandError, NotARepoError } from './errors.js';

export interface RunGitOptions {
  /** Extra environment variables for this command. */
  env?: Record<string, string>;
  /** Kill the process after this many ms without output. */
  timeoutMs?: number;
  /** Read-only command: don't take optional locks (`GIT_OPTIONAL_LOCKS=0`). */
  readOnly?: boolean;
}

export interface GitResult {
  stdout: string;
}

interface RawOutcome {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

const OUTCOME = Symbol('worktree-manager.outcome');

// Every argument passed to git is built by this package (user values only as option values, after `--`,
// or validated ref names), so simple-git's argument/env guards only ever see the user's own environment
// (EDITOR, PAGER, GIT_SSH_COMMAND, GIT_CONFIG_* …), which must be passed through unchanged.
const ALLOW_ENV: SimpleGitOptions['unsafe'] = {
  allowUnsafeAlias: true,
  allowUnsafeAskPass: true,
  allowUnsafeConfigEnvCount: true,
  allowUnsafeConfigPaths: true,
  allowUnsafeCredentialHelper: true,
  allowUnsafeDiffExternal: true,
  allowUnsafeDiffTextConv: true,
  allowUnsafeEditor: true,
  allowUnsafeFilter: true,
  allowUnsafeFsMonitor: true,
  allowUnsafeGitProxy: true,
  allowUnsafeGpgProgram: true,
  allowUnsafeHooksPath: true,
  allowUnsafeMergeDriver: true,
  allowUnsafePager: true,
  allowUnsafeSshCommand: true,
  allowUnsafeTemplateDir: true,
} as SimpleGitOptions['unsafe'];

function baseEnv(extra: Record<string, string> | undefined, readOnly: boolean): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  // Stable, parseable messages; never prompt (a headless runner would hang).
  env.LC_ALL = 'C';
  env.LANGUAGE = 'C';
  env.GIT_TERMINAL_PROMPT = '0';
  if (readOnly) env.GIT_OPTIONAL_LOCKS = '0';
  return { ...env, ...extra };
}

/** Run `git <args>` in `cwd` through simple-git; any non-zero exit rejects with `GitCommandError`. */
export async function runGit(cwd: string, args: string[], options: RunGitOptions = {}): Promise<GitResult> {
  let git: ReturnType<typeof simpleGit>;
  try {
    git = simpleGit({
      baseDir: cwd,
      maxConcurrentProcesses: 1,
      trimmed: false,
      unsafe: ALLOW_ENV,
      ...(options.timeoutMs ? { timeout: { block: options.timeoutMs } } : {}),
      errors(error, result) {
        if (!error && result.exitCode === 0) return undefined;
        const outcome: RawOutcome = {
          exitCode: result.exitCode,
          stdout: Buffer.concat(result.stdOut).toString('utf8'),
          stderr: Buffer.concat(result.stdErr).toString('utf8'),
          timedOut: error instanceof Error && /timeout/i.test(`${error.message} ${String(error)}`),
        };
        const wrapped = new GitError(undefined, outcome.stderr || outcome.stdout || String(error ?? ''));
        Object.assign(wrapped, { [OUTCOME]: outcome });
        return wrapped;
      },
    }).env(baseEnv(options.env, options.readOnly ?? false));
  } catch (cause) {
    // simple-git validates baseDir synchronously (missing directory).
    throw new NotARepoError(cwd, { cause });
  }
  try {
    const stdout = await git.raw(args);
    return { stdout };
  } catch (error) {
    const outcome = (error as { [OUTCOME]?: RawOutcome })[OUTCOME];
    throw new GitCommandError(
      {
        args,
        cwd,
        exitCode: outcome?.exitCode ?? null,
        stderr: outcome
          ? outcome.stderr + (outcome.timedOut ? '\n(timed out: killed by the runner)' : '')
          : '',
        stdout: outcome?.stdout ?? String(error),
      },
      { cause: error },
    );
  }
}

/** Lock-file contention reported by git (another git process holds the lock). */
export function lockContention(message: string): { lockFile: string | null } | null {
  const created = /Unable to create '([^']+\.lock)': File exists/i.exec(message);
  if (created) return { lockFile: created[1] ?? null };
  const config = /could not lock config file (.+?): File exists/i.exec(message);
  if (config) return { lockFile: `${config[1]}.lock` };
  if (/\.lock'?:? File exists|Another git process seems to be running/i.test(message)) {
    return { lockFile: null };
  }
  // Another process is half-way through `git worktree add` (its .git/worktrees/<id>/ has no commondir/gitdir
  // yet) and this command enumerated the worktrees at that moment: transient, like a held lock.
  if (/failed to read \S*worktrees\/[^/\s]+\/(?:commondir|gitdir|HEAD)/i.test(message)) {
    return { lockFile: null };
  }
  return null;
}

export function isNotARepo(message: string): boolean {
  return /not a git repository|must be run in a work tree|cannot change to/i.test(message);
}

export function errorText(error: unknown): string {
  if (error instanceof GitCommandError) return error.stderr || error.message;
  return error instanceof Error ? error.message : String(error);
}
