import { runGit } from './_git.js';
import { ensureExcluded, repoInfo, STATE_DIR } from './_repo.js';
import { withLockRetry } from './_retry.js';
import { InvalidTrailerError } from './errors.js';
import type { CommitResult, CommitTaskChangesOptions, GitIdentity } from './types.js';

async function stagedFiles(worktree: string): Promise<string[]> {
  const { stdout } = await runGit(worktree, ['diff', '--cached', '--name-only', '--no-renames', '-z']);
  return stdout.split('\0').filter(Boolean).sort();
}

const TRAILER_KEY = /^[A-Za-z0-9][A-Za-z0-9-]*$/;

function identityEnv(prefix: 'AUTHOR' | 'COMMITTER', who: GitIdentity | undefined): Record<string, string> {
  if (!who) return {};
  return { [`GIT_${prefix}_NAME`]: who.name, [`GIT_${prefix}_EMAIL`]: who.email };
}

/**
 * Stage every change in the worktree (new files included, `.agentic-sdlc/` excluded) and commit it with
 * `message` plus `Key: value` trailers, only when the staged tree differs from HEAD.
 */
export async function commitTaskChanges(options: CommitTaskChangesOptions): Promise<CommitResult> {
  const { worktree, message, trailers } = options;
  const trailerArgs: string[] = [];
  for (const [key, value] of Object.entries(trailers)) {
    if (!TRAILER_KEY.test(key))
      throw new InvalidTrailerError(key, value, 'the key must be letters, digits and "-"');
    if (/[\r\n]/.test(value)) throw new InvalidTrailerError(key, value, 'the value spans several lines');
    trailerArgs.push('--trailer', `${key}: ${value.trim()}`);
  }
  if (!message.trim()) throw new InvalidTrailerError('message', message, 'the commit message is empty');

  // Untracked runner state stays out through info/exclude; anything under .agentic-sdlc/ that was tracked
  // anyway is unstaged again.
  await ensureExcluded((await repoInfo(worktree)).commonDir);
  await withLockRetry(`Staging changes in ${worktree}`, undefined, () =>
    runGit(worktree, ['add', '--all', '--', ':/']),
  );
  let filesChanged = await stagedFiles(worktree);
  if (filesChanged.some((f) => f === STATE_DIR || f.startsWith(`${STATE_DIR}/`))) {
    await withLockRetry(`Unstaging ${STATE_DIR}/ in ${worktree}`, undefined, () =>
      runGit(worktree, ['reset', '--quiet', '--', `:(top)${STATE_DIR}`]),
    );
    filesChanged = await stagedFiles(worktree);
  }
  if (filesChanged.length === 0) return { sha: null, filesChanged: [] };

  const env = {
    ...identityEnv('AUTHOR', options.author),
    ...identityEnv('COMMITTER', options.committer ?? options.author),
  };
  await withLockRetry(`Committing in ${worktree}`, undefined, () =>
    runGit(worktree, ['commit', '--quiet', '--no-edit', '-m', message, ...trailerArgs], { env }),
  );
  const head = await runGit(worktree, ['rev-parse', '--verify', 'HEAD'], { readOnly: true });
  return { sha: head.stdout.trim(), filesChanged };
}
