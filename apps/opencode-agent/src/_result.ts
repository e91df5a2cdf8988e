import { accessSync, constants, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { TaskOutcome, TaskResult } from './types.js';

export { formatResultLine, parseResultLine, RESULT_PREFIX } from '@agentic-sdlc/secrets-config';

/** Exit code of a result: 0 succeeded/no-changes, 1 otherwise. */
export function exitCodeFor(outcome: TaskOutcome): 0 | 1 {
  return outcome === 'succeeded' || outcome === 'no-changes' ? 0 : 1;
}

const TERMINATION_LIMIT = 4096;

/** The result as JSON under 4096 bytes (Kubernetes' termination message limit): long fields are cut. */
export function compactResultJson(result: TaskResult, limit = TERMINATION_LIMIT): string {
  let json = JSON.stringify(result);
  if (Buffer.byteLength(json) < limit) return json;
  const cut: TaskResult = { ...result, reason: result.reason ? result.reason.slice(0, 1000) : null };
  json = JSON.stringify(cut);
  if (Buffer.byteLength(json) < limit) return json;
  const files = result.filesChanged;
  let keep = files.length;
  while (keep > 0) {
    keep = Math.floor(keep / 2);
    const more = files.length - keep;
    json = JSON.stringify({ ...cut, filesChanged: [...files.slice(0, keep), `… ${more} more`] });
    if (Buffer.byteLength(json) < limit) return json;
  }
  return JSON.stringify({ ...cut, filesChanged: [], reason: cut.reason?.slice(0, 200) ?? null });
}

function writable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    try {
      accessSync(dirname(path), constants.W_OK);
      return path !== '/dev/termination-log';
    } catch {
      return false;
    }
  }
}

export interface WriteResultOptions {
  /** Main repository root (not the worktree). */
  repoRoot: string | null;
  runId: string;
  /** Termination log path: `ASDLC_TERMINATION_LOG`, else `/dev/termination-log` when writable. */
  terminationLog?: string | null;
}

/** Write the result to `<repo>/.agentic-sdlc/runs/<run>/<task>.json` and the termination log. */
export function writeResultFiles(result: TaskResult, options: WriteResultOptions): string[] {
  const written: string[] = [];
  if (options.repoRoot) {
    const file = join(options.repoRoot, '.agentic-sdlc', 'runs', options.runId, `${result.task}.json`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    written.push(file);
  }
  const log =
    options.terminationLog === undefined
      ? writable('/dev/termination-log')
        ? '/dev/termination-log'
        : null
      : options.terminationLog;
  if (log) {
    try {
      writeFileSync(log, compactResultJson(result));
      written.push(log);
    } catch {
      // not in a pod: nothing to do
    }
  }
  return written;
}
