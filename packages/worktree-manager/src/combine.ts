import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { MergeConflictError } from './errors.js';
import type { CombineCommitsOptions } from './types.js';

const exec = promisify(execFile);

/** Identity of the merge commits this package makes (they are bases, never pushed by themselves). */
const IDENTITY = {
  GIT_AUTHOR_NAME: 'asdlc',
  GIT_AUTHOR_EMAIL: 'asdlc@localhost',
  GIT_COMMITTER_NAME: 'asdlc',
  GIT_COMMITTER_EMAIL: 'asdlc@localhost',
};

/**
 * One commit holding every change of `commits`, made without touching any working tree or ref
 * (`git merge-tree --write-tree` + `git commit-tree`): the base of a task that builds on tasks finished
 * earlier. One commit → that commit itself. Conflicting changes → `MergeConflictError` naming the files.
 * Needs git ≥ 2.38.
 */
export async function combineCommits({ repo, commits, message }: CombineCommitsOptions): Promise<string> {
  const [first, ...rest] = [...new Set(commits)];
  if (first === undefined) throw new TypeError('combineCommits needs at least one commit');
  let current = first;
  for (const next of rest) {
    let tree: string;
    try {
      const { stdout } = await exec(
        'git',
        ['merge-tree', '--write-tree', '--name-only', '--no-messages', current, next],
        {
          cwd: repo,
        },
      );
      tree = stdout.split('\n')[0]!.trim();
    } catch (error) {
      const e = error as { code?: number; stdout?: string };
      if (e.code === 1 && e.stdout) {
        const [, ...files] = e.stdout.trim().split('\n');
        throw new MergeConflictError([current, next], files, { cause: error });
      }
      throw error;
    }
    const text = message ?? `asdlc: combine ${current.slice(0, 10)} and ${next.slice(0, 10)}`;
    const { stdout } = await exec('git', ['commit-tree', tree, '-p', current, '-p', next, '-m', text], {
      cwd: repo,
      env: { ...process.env, ...IDENTITY },
    });
    current = stdout.trim();
  }
  return current;
}
