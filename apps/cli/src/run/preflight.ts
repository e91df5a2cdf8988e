import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { findTasks, type Task, type TaskGraph } from '@agentic-sdlc/tasks-parser';
import { CliError } from '../errors.js';

function git(cwd: string, args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** The tasks to run: the ids given (validated), else every open [ASYNC] task. */
export function selectTasks(
  graph: TaskGraph,
  file: string,
  ids: string | undefined,
  forceSync = false,
): Task[] {
  if (!ids)
    return graph.tasks.filter((t) => t.mode === 'async' && (t.state === 'open' || t.state === 'partial'));
  const wanted = ids
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const selected: Task[] = [];
  for (const id of wanted) {
    const found = findTasks(graph, id);
    if (found.length === 0) {
      const known = graph.tasks.map((t) => t.id);
      const near = known.filter((k) => k.slice(0, -1) === id.toUpperCase().slice(0, -1)).slice(0, 5);
      throw new CliError(
        `unknown task id "${id}" in ${file}.${near.length ? ` Did you mean ${near.join(', ')}?` : ''}\n` +
          'List the tasks with: asdlc tasks',
        'E_UNKNOWN_TASK',
      );
    }
    for (const task of found) {
      if (task.mode === 'sync' && !forceSync) {
        throw new CliError(
          `${task.id} (${file}:${task.line}) is marked [SYNC]: it is meant for a human.\n` +
            'Run it with an agent anyway with --force-sync, or change its marker to [ASYNC].',
          'E_SYNC_TASK',
        );
      }
      if (task.state === 'done' || task.state === 'skipped') {
        throw new CliError(
          `${task.id} (${file}:${task.line}) is already ${task.state}. Uncheck it in tasks.md to run it again.`,
          'E_TASK_DONE',
        );
      }
      if (!selected.includes(task)) selected.push(task);
    }
  }
  return selected.sort((a, b) => a.line - b.line);
}

/** The remote's URL, or a clear error when the repository has none. */
export function requireRemote(repo: string, remote: string): string {
  try {
    return git(repo, ['remote', 'get-url', remote]);
  } catch {
    throw new CliError(
      `no git remote "${remote}" in ${repo}: task branches are pushed there for review.\n` +
        `Add one with: git remote add ${remote} <url>   (or pass --remote <name>)`,
      'E_NO_REMOTE',
    );
  }
}

/** Normalises every checkbox to `[ ]` so the runner's own marks do not count as changes. */
function withoutMarks(markdown: string): string {
  return markdown.replace(/^([ \t]*[-*+][ \t]+\[)[ xX~-](\])/gm, '$1 $2');
}

/**
 * Agents work from the committed base: uncommitted changes in the feature folder would be invisible to them.
 * Checkbox marks in tasks.md and `.async_state/` files (the runner's own) are allowed.
 */
export function assertCleanFeature(repo: string, featureDir: string, tasksFile: string): void {
  const rel = relative(repo, featureDir) || '.';
  const status = execFileSync('git', ['status', '--porcelain', '-z', '--untracked-files=all', '--', rel], {
    cwd: repo,
    encoding: 'utf8',
  });
  // -z: `XY path\0`, renames followed by `orig\0`; the status column is never trimmed away.
  const entries = status.split('\0').filter(Boolean);
  const dirty = entries
    .filter((entry) => /^[ MADRCU?!]{2} /.test(entry))
    .map((entry) => entry.slice(3))
    .filter((path) => {
      // The fork's delegation protocol files are written by the runner itself.
      if (path.split('/').includes('.async_state')) return false;
      if (path !== relative(repo, tasksFile)) return true;
      let committed: string;
      try {
        committed = git(repo, ['show', `HEAD:${path}`]);
      } catch {
        return true;
      }
      return withoutMarks(committed).trimEnd() !== withoutMarks(readFileSync(tasksFile, 'utf8')).trimEnd();
    });
  if (dirty.length) {
    throw new CliError(
      `uncommitted changes in ${rel}: ${dirty.join(', ')}.\n` +
        'Agents start from the last commit and would not see them. Commit them first, or pass --allow-dirty.',
      'E_DIRTY',
    );
  }
}

export function resolveBase(repo: string, ref = 'HEAD'): { sha: string; branch: string | null } {
  let sha: string;
  try {
    sha = git(repo, ['rev-parse', '--verify', `${ref}^{commit}`]);
  } catch {
    throw new CliError(
      `base ref "${ref}" is not a commit in ${repo}. Commit something first, or pass --base <ref>.`,
      'E_BASE',
    );
  }
  let branch: string | null = null;
  try {
    const name = git(repo, ['rev-parse', '--abbrev-ref', ref]);
    branch = name && name !== 'HEAD' ? name : null;
  } catch {
    branch = null;
  }
  return { sha, branch };
}
