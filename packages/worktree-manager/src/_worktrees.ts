import { realpathSync } from 'node:fs';
import path from 'node:path';
import { runGit } from './_git.js';
import { withLockRetry } from './_retry.js';
import type { RetryPolicy } from './types.js';

export interface WorktreeEntry {
  path: string;
  head: string | null;
  /** Short branch name, or null when detached/bare. */
  branch: string | null;
  /** Git's reason when the worktree is prunable (its directory vanished), else null. */
  prunable: string | null;
  locked: boolean;
}

/** `git worktree list --porcelain -z`, parsed. */
export async function listWorktrees(top: string, retry?: RetryPolicy): Promise<WorktreeEntry[]> {
  const { stdout } = await withLockRetry('git worktree list', retry, () =>
    runGit(top, ['worktree', 'list', '--porcelain', '-z'], { readOnly: true }),
  );
  const entries: WorktreeEntry[] = [];
  for (const record of stdout.split('\0\0')) {
    const fields = record.split('\0').filter(Boolean);
    if (fields.length === 0) continue;
    const entry: WorktreeEntry = { path: '', head: null, branch: null, prunable: null, locked: false };
    for (const field of fields) {
      const space = field.indexOf(' ');
      const key = space < 0 ? field : field.slice(0, space);
      const value = space < 0 ? '' : field.slice(space + 1);
      if (key === 'worktree') entry.path = value;
      else if (key === 'HEAD') entry.head = value;
      else if (key === 'branch') entry.branch = value.replace(/^refs\/heads\//, '');
      else if (key === 'prunable') entry.prunable = value || 'prunable';
      else if (key === 'locked') entry.locked = true;
    }
    if (entry.path) entries.push(entry);
  }
  return entries;
}

/** Canonical form of a path for comparisons (realpath of the longest existing ancestor). */
export function canonical(p: string): string {
  const abs = path.resolve(p);
  let head = abs;
  const tail: string[] = [];
  for (;;) {
    try {
      return path.join(realpathSync(head), ...tail.reverse());
    } catch {
      const parent = path.dirname(head);
      if (parent === head) return abs;
      tail.push(path.basename(head));
      head = parent;
    }
  }
}
