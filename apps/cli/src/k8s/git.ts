import { execFileSync } from 'node:child_process';
import { CliError } from '../errors.js';

function git(cwd: string, args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

export interface RemoteBase {
  /** URL the pods clone (the remote's URL, or `--repo-url`). */
  repoUrl: string;
  /** The base branch of every task branch. */
  branch: string;
  /** Its commit (local HEAD = the remote branch). */
  sha: string;
}

/**
 * Pods clone the remote, not this checkout: the base branch (the current branch, or `--base`) must exist
 * on the remote at the local commit, else agents would start from other code.
 */
export function resolveRemoteBase(
  root: string,
  options: { remote: string; base?: string; repoUrl?: string },
): RemoteBase {
  const { remote } = options;
  let remoteUrl: string;
  try {
    remoteUrl = git(root, ['remote', 'get-url', remote]);
  } catch {
    throw new CliError(
      `no git remote "${remote}" in ${root}: pods clone the repository from it.\n` +
        `Add one with: git remote add ${remote} <url>   (or pass --remote <name> / --repo-url <url>)`,
      'E_NO_REMOTE',
    );
  }
  const ref = options.base ?? 'HEAD';
  let branch: string;
  try {
    branch = git(root, ['rev-parse', '--abbrev-ref', ref]);
  } catch {
    branch = '';
  }
  if (!branch || branch === 'HEAD') {
    throw new CliError(
      `the base "${ref}" is not a branch (detached HEAD?): pods clone a branch of the remote.\n` +
        'Check out the feature branch, or pass --base <branch>.',
      'E_BASE',
    );
  }
  branch = branch.replace(new RegExp(`^${remote}/`), '');
  const sha = git(root, ['rev-parse', '--verify', `${ref}^{commit}`]);
  let remoteSha = '';
  try {
    remoteSha = git(root, ['ls-remote', '--heads', remote, `refs/heads/${branch}`]).split(/\s+/)[0] ?? '';
  } catch (error) {
    throw new CliError(
      `cannot read branch ${branch} from remote "${remote}" (${remoteUrl}): ${(error as Error).message.split('\n')[0]}`,
      'E_REMOTE',
      undefined,
      { cause: error },
    );
  }
  if (!remoteSha) {
    throw new CliError(
      `branch ${branch} is not on remote "${remote}" (${remoteUrl}); pods clone it from there.\n` +
        `Push it first: git push -u ${remote} ${branch}`,
      'E_NOT_PUSHED',
    );
  }
  if (remoteSha !== sha) {
    throw new CliError(
      `branch ${branch} on remote "${remote}" is at ${remoteSha.slice(0, 10)}, your checkout at ${sha.slice(0, 10)}; ` +
        `pods would start from the remote's commit.\nPush first: git push ${remote} ${branch}`,
      'E_NOT_PUSHED',
    );
  }
  return { repoUrl: options.repoUrl ?? remoteUrl, branch, sha };
}
