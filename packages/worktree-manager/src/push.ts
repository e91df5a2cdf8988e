import pRetry, { AbortError } from 'p-retry';
import { errorText, runGit } from './_git.js';
import { NETWORK_RETRY, resolvePolicy } from './_retry.js';
import { validateBranchName } from './branch.js';
import { GitCommandError, PushFailedError, PushRejectedError } from './errors.js';
import { headSha } from './status.js';
import type { PushBranchOptions, PushResult, RemoteBranchShaOptions, RetryPolicy } from './types.js';

/** The remote refused the update (policy, history or credentials): never retried. */
const REJECTED = [
  /^\s*!\s*\[(?:remote )?rejected\]/m,
  /pre-receive hook declined|hook declined|protected branch/i,
  /Authentication failed|Permission denied|could not read (?:Username|Password)|terminal prompts disabled/i,
  /HTTP (?:401|403)|The requested URL returned error: 40[13]|access denied|not authorized/i,
];
/** The remote does not exist / is misconfigured: retrying cannot help. */
const PERMANENT = [
  /does not appear to be a git repository|No such remote|repository '.*' not found|Repository not found/i,
  /src refspec .* does not match any|invalid refspec/i,
];
/** Network trouble worth retrying. */
const TRANSIENT = [
  /Connection (?:reset|refused|timed out|closed)|timed out|Operation timed out|Broken pipe/i,
  /Could not read from remote repository|remote end hung up|early EOF|RPC failed|unexpected disconnect/i,
  /Could not resolve host|Temporary failure in name resolution|unable to access|HTTP 5\d\d|returned error: 5\d\d/i,
  /ssh: connect to host|TLS|SSL|killed by the runner/i,
];

type Kind = 'rejected' | 'permanent' | 'transient' | 'unknown';

export function classifyPushFailure(text: string): Kind {
  if (REJECTED.some((re) => re.test(text))) return 'rejected';
  if (PERMANENT.some((re) => re.test(text))) return 'permanent';
  if (TRANSIENT.some((re) => re.test(text))) return 'transient';
  return 'unknown';
}

/** Git's own reason: `remote:` lines, `! [rejected]` lines, `error:`/`fatal:` lines; hints dropped. */
export function pushReason(text: string): string {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trimEnd())
    .filter((l) => /^\s*(?:remote:|!|error:|fatal:)/.test(l) && !/^\s*remote:\s*$/.test(l));
  return (lines.length > 0 ? lines.join('\n') : text.trim()) || '(git gave no reason)';
}

async function withNetworkRetry<T>(
  policy: RetryPolicy | undefined,
  onGiveUp: (error: unknown, kind: Kind, attempts: number) => Error,
  fn: () => Promise<T>,
): Promise<T> {
  const options = resolvePolicy(policy, NETWORK_RETRY);
  let attempts = 0;
  return pRetry(async () => {
    attempts++;
    try {
      return await fn();
    } catch (error) {
      if (!(error instanceof GitCommandError)) throw new AbortError(error as Error);
      const kind = classifyPushFailure(errorText(error));
      if (kind !== 'transient' || attempts > options.retries) {
        throw new AbortError(onGiveUp(error, kind, attempts));
      }
      throw error;
    }
  }, options);
}

/**
 * Push the worktree's HEAD to `refs/heads/<branch>` on `remote`. Transient failures are retried (bounded);
 * a rejection throws `PushRejectedError` with git's reason. Never forces, except
 * `--force-with-lease=refs/heads/<branch>:<expectedSha>` when `forceWithLease` is given.
 */
export async function pushBranch(options: PushBranchOptions): Promise<PushResult> {
  const { worktree, branch } = options;
  const remote = options.remote ?? 'origin';
  validateBranchName(branch);
  const sha = await headSha(worktree);
  const ref = `refs/heads/${branch}`;
  const args = ['push'];
  if (options.forceWithLease)
    args.push(`--force-with-lease=${ref}:${options.forceWithLease.expectedSha ?? ''}`);
  args.push('--', remote, `HEAD:${ref}`);
  await withNetworkRetry(
    options.retry,
    (error, kind, attempts) => {
      const text = errorText(error);
      if (kind === 'rejected')
        return new PushRejectedError({ branch, remote, reason: pushReason(text) }, { cause: error });
      return new PushFailedError(
        { branch, remote, attempts, reason: pushReason(text), transient: kind === 'transient' },
        { cause: error },
      );
    },
    () => runGit(worktree, args, { timeoutMs: options.timeoutMs ?? 120_000 }),
  );
  return { pushed: true, remoteSha: sha };
}

/** Sha of `refs/heads/<branch>` on `remote` (`git ls-remote`), or null when the branch does not exist there. */
export async function remoteBranchSha(options: RemoteBranchShaOptions): Promise<string | null> {
  const remote = options.remote ?? 'origin';
  const ref = `refs/heads/${options.branch}`;
  const { stdout } = await withNetworkRetry(
    undefined,
    (error, kind, attempts) =>
      new PushFailedError(
        {
          branch: options.branch,
          remote,
          attempts,
          reason: pushReason(errorText(error)),
          operation: 'Looking up',
          transient: kind === 'transient',
        },
        { cause: error },
      ),
    () =>
      runGit(options.repo, ['ls-remote', '--refs', '--', remote, ref], {
        readOnly: true,
        timeoutMs: 120_000,
      }),
  );
  for (const line of stdout.split('\n')) {
    const [sha, name] = line.split('\t');
    if (name?.trim() === ref && sha) return sha.trim();
  }
  return null;
}
