import { CliError } from '../errors.js';
import { repoRoot } from '../feature.js';
import { listRunIds, type RunFile, readRun } from '../run/run-record.js';

/** The repository whose `.agentic-sdlc/runs/` holds the run records. */
export function runsRoot(cwd = process.cwd()): string {
  return repoRoot(cwd);
}

/** The most recently started run on disk, or null. */
export function latestRun(root: string): RunFile | null {
  let latest: RunFile | null = null;
  for (const id of listRunIds(root)) {
    const run = readRun(root, id);
    if (run && (!latest || run.startedAt > latest.startedAt)) latest = run;
  }
  return latest;
}

/** The named run (or the latest); a clear error when there is none. */
export function findRun(root: string, runId: string | undefined): RunFile {
  const run = runId ? readRun(root, runId) : latestRun(root);
  if (run) return run;
  const known = listRunIds(root).slice(0, 5);
  throw new CliError(
    runId
      ? `no run "${runId}" in ${root}/.agentic-sdlc/runs.${known.length ? ` Recent runs: ${known.join(', ')}.` : ''}` +
          '\nFor a run started elsewhere, name its cluster: --env <env> or --namespace <ns>.'
      : `no runs in ${root}/.agentic-sdlc/runs yet: start one with asdlc run`,
    'E_NO_RUN',
  );
}

/** Whether the process that owns a run is still alive. */
export function ownerAlive(run: RunFile): boolean {
  if (!run.pid) return false;
  try {
    process.kill(run.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
