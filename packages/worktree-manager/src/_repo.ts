import { mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { isNotARepo, runGit } from './_git.js';
import { GitCommandError, GitLockedError, NotARepoError } from './errors.js';

export interface RepoInfo {
  /** Absolute top-level directory of the working tree `repo` points into. */
  top: string;
  /** Absolute git common dir (shared by all worktrees): the key for locking. */
  commonDir: string;
}

const infoCache = new Map<string, RepoInfo>();

/**
 * Resolve the working tree top and the common git dir; `NotARepoError` when `dir` is not in a work tree.
 * Cached per directory while the common dir exists.
 */
export async function repoInfo(dir: string): Promise<RepoInfo> {
  const cwd = path.resolve(dir);
  const cached = infoCache.get(cwd);
  if (cached && (await exists(cached.commonDir)) && (await exists(cwd))) return cached;
  infoCache.delete(cwd);
  const info = await lookupRepoInfo(cwd);
  infoCache.set(cwd, info);
  return info;
}

async function lookupRepoInfo(cwd: string): Promise<RepoInfo> {
  try {
    const { stdout } = await runGit(
      cwd,
      ['rev-parse', '--path-format=absolute', '--git-common-dir', '--show-toplevel'],
      { readOnly: true },
    );
    const [commonDir, top] = stdout.split('\n').map((s) => s.trim());
    if (!commonDir || !top) throw new NotARepoError(cwd);
    return { top, commonDir };
  } catch (error) {
    if (error instanceof NotARepoError) throw error;
    if (error instanceof GitCommandError && isNotARepo(error.stderr))
      throw new NotARepoError(cwd, { cause: error });
    throw error;
  }
}

export const STATE_DIR = '.agentic-sdlc';
const EXCLUDE_LINE = `/${STATE_DIR}/`;
const EXCLUDE_VARIANTS = new Set([EXCLUDE_LINE, `${STATE_DIR}/`, `/${STATE_DIR}`, STATE_DIR]);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Make sure `<common-dir>/info/exclude` ignores `/.agentic-sdlc/` (idempotent, never touches .gitignore).
 * Cross-process safe: the file is rewritten git-style through `exclude.lock` (O_EXCL) and an atomic rename.
 */
export async function ensureExcluded(commonDir: string): Promise<void> {
  const infoDir = path.join(commonDir, 'info');
  const file = path.join(infoDir, 'exclude');
  const lock = `${file}.lock`;
  const isPresent = (text: string) => text.split(/\r?\n/).some((line) => EXCLUDE_VARIANTS.has(line.trim()));
  const current = await readFile(file, 'utf8').catch(() => '');
  if (isPresent(current)) return;
  await mkdir(infoDir, { recursive: true });
  const attempts = 40;
  for (let attempt = 1; ; attempt++) {
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(lock, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (attempt >= attempts) {
        throw new GitLockedError(
          {
            what: `Adding ${EXCLUDE_LINE} to ${file}`,
            lockFile: lock,
            attempts,
            gitMessage: `Unable to create '${lock}': File exists.`,
          },
          { cause: error },
        );
      }
      await sleep(Math.min(25 * attempt, 250) * (1 + Math.random()));
      continue;
    }
    let renamed = false;
    try {
      const text = await readFile(file, 'utf8').catch(() => '');
      if (isPresent(text)) return;
      const prefix = text.length === 0 || text.endsWith('\n') ? text : `${text}\n`;
      await handle.writeFile(`${prefix}# agentic-sdlc task worktrees and run state\n${EXCLUDE_LINE}\n`);
      await handle.close();
      await rename(lock, file);
      renamed = true;
      return;
    } finally {
      if (!renamed) {
        await handle.close().catch(() => {});
        await unlink(lock).catch(() => {});
      }
    }
  }
}

export async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}
