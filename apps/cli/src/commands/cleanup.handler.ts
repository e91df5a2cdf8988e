import { execFileSync } from 'node:child_process';
import { cleanupJobs } from '@agentic-sdlc/pod-launcher';
import { parseDuration } from '@agentic-sdlc/secrets-config';
import { pruneWorktrees } from '@agentic-sdlc/worktree-manager';
import { CliError } from '../errors.js';
import { repoRoot } from '../feature.js';
import { connect, kubeCall } from '../k8s/kube.js';
import { kubeFlagsGiven } from '../k8s/options.js';
import type { CleanupArgs } from './cleanup.command.js';

interface CleanupView {
  dryRun: boolean;
  k8s?: { namespace: string; olderThan: string; deleted: string[]; kept: string[] };
  local?: { repo: string; pruned: { path: string; reason: string }[] };
}

function isGitRepo(dir: string): boolean {
  try {
    execFileSync('git', ['rev-parse', '--git-dir'], { cwd: dir, stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** `git worktree prune --dry-run -v`: "Removing worktrees/<id>: <reason>". */
function prunable(repo: string): { path: string; reason: string }[] {
  const out = execFileSync('git', ['worktree', 'prune', '--dry-run', '-v'], {
    cwd: repo,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return out
    .split('\n')
    .map((l) => /^Removing (.+?): (.*)$/.exec(l.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ path: m[1] ?? '', reason: m[2] ?? '' }));
}

export async function runCleanup(args: CleanupArgs): Promise<void> {
  try {
    parseDuration(args.olderThan);
  } catch (error) {
    throw new CliError(
      `--older-than ${args.olderThan}: ${(error as Error).message} (e.g. 0s, 30m, 24h)`,
      'E_USAGE',
    );
  }
  const view: CleanupView = { dryRun: Boolean(args.dryRun) };
  const cwd = process.cwd();
  if (isGitRepo(cwd)) {
    const repo = repoRoot(cwd);
    const pruned = args.dryRun
      ? prunable(repo)
      : (await pruneWorktrees(repo)).map((w) => ({ path: w.path, reason: w.reason }));
    view.local = { repo, pruned };
  }
  if (kubeFlagsGiven(args)) {
    const target = connect(args);
    const result = await kubeCall(() =>
      cleanupJobs({
        kc: target.kc,
        namespace: target.namespace,
        olderThan: args.olderThan,
        ...(args.dryRun ? { dryRun: true } : {}),
      }),
    );
    view.k8s = { namespace: target.namespace, olderThan: args.olderThan, ...result };
  }
  if (args.json) {
    process.stdout.write(`${JSON.stringify(view)}\n`);
    return;
  }
  const verb = args.dryRun ? 'would delete' : 'deleted';
  const lines: string[] = [];
  if (view.k8s) {
    lines.push(
      `k8s (${view.k8s.namespace}): ${verb} ${view.k8s.deleted.length} finished Job(s) older than ${args.olderThan}; kept ${view.k8s.kept.length} (active or newer)`,
      ...view.k8s.deleted.map((j) => `  ${j}`),
    );
  }
  if (view.local) {
    lines.push(
      `local (${view.local.repo}): ${args.dryRun ? 'would prune' : 'pruned'} ${view.local.pruned.length} stale worktree(s)`,
      ...view.local.pruned.map((w) => `  ${w.path}: ${w.reason}`),
    );
  }
  if (!view.k8s)
    lines.push('(Jobs: pass --env <env> or --namespace <ns> to clean up a cluster namespace too)');
  process.stdout.write(`${lines.join('\n')}\n`);
}
