import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, posix } from 'node:path';
import { createRedactor } from '@agentic-sdlc/log-multiplexer';
import {
  featureFromPath,
  findTasks,
  parseTasks,
  type Task,
  type TaskGraph,
} from '@agentic-sdlc/tasks-parser';
import {
  commitTaskChanges,
  createTaskWorktree,
  headSha,
  pushBranch,
  remoteBranchSha,
  removeTaskWorktree,
  type TaskWorktree,
} from '@agentic-sdlc/worktree-manager';
import { execa } from 'execa';
import { commitMessage } from './_commit.js';
import { AgentRunnerError, UsageError } from './_errors.js';
import { EventSummariser } from './_events.js';
import {
  authFailureHint,
  exportGitAuth,
  type GitAuth,
  gitTokenSecrets,
  isAuthFailure,
  NO_GIT_AUTH,
  resolveGitAuth,
  withoutGitToken,
} from './_git-auth.js';
import {
  firstErrorLines,
  isStartupRace,
  opencodeInvocation,
  opencodeVersion,
  resolveOpencodeBin,
  STARTUP_RACE_ATTEMPTS,
} from './_opencode.js';
import { type AgentExit, runAgentProcess } from './_process.js';
import { buildPrompt } from './_prompt.js';
import { resolveRepo, resolveTasksFile } from './_repo.js';
import { exitCodeFor, RESULT_PREFIX, writeResultFiles } from './_result.js';
import type {
  EventSummary,
  RunnerIO,
  RunTaskOptions,
  RunTaskOutput,
  TaskOutcome,
  TaskResult,
} from './types.js';

export const DEFAULT_TIMEOUT_MS = 2 * 60 * 60 * 1000;
export const DEFAULT_KILL_GRACE_MS = 10_000;
const DEFAULT_AUTHOR = { name: 'asdlc-agent', email: 'asdlc-agent@localhost' };

/** Optimal-string-alignment distance (edits plus adjacent transpositions: T060 is 1 away from T006). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** Up to 8 task ids closest to `wanted`. */
export function similarIds(wanted: string, graph: TaskGraph): string[] {
  const ids = [...new Set(graph.tasks.map((t) => t.id))];
  const w = wanted.toUpperCase();
  return ids
    .map((id) => ({ id, d: editDistance(w, id.toUpperCase()) }))
    .sort((x, y) => x.d - y.d || x.id.localeCompare(y.id))
    .slice(0, 8)
    .map((x) => x.id);
}

function selectTask(graph: TaskGraph, wanted: string, tasksFile: string): Task {
  const found = findTasks(graph, wanted);
  if (found.length === 1) return found[0]!;
  if (found.length > 1) {
    throw new UsageError(
      'E_UNKNOWN_TASK',
      `task ${wanted} is ambiguous in ${tasksFile}: it appears ${found.length} times (${found.map((t) => `line ${t.line}`).join(', ')}). Pass its key instead: ${found.map((t) => t.key).join(', ')}`,
    );
  }
  const similar = similarIds(wanted, graph);
  throw new UsageError(
    'E_UNKNOWN_TASK',
    `unknown task ${wanted} in ${tasksFile} (${graph.tasks.length} tasks)${similar.length > 0 ? `; similar ids: ${similar.join(', ')}` : ''}`,
  );
}

function defaultRunId(): string {
  return new Date().toISOString().replace(/[:.]/g, '-');
}

/** Safe log line: never lets agent output masquerade as the result line. */
function guard(line: string): string {
  return line.startsWith(RESULT_PREFIX) ? ` ${line}` : line;
}

function agentFailureReason(
  exit: AgentExit,
  summary: EventSummary | null,
  agentName: string,
  timeoutMs: number,
): { outcome: TaskOutcome; reason: string } | null {
  if (exit.timedOut) {
    return {
      outcome: 'timed-out',
      reason: `${agentName} exceeded the timeout of ${Math.round(timeoutMs / 1000)}s and was stopped`,
    };
  }
  if (exit.cancelled) return { outcome: 'cancelled', reason: `cancelled: ${agentName} was stopped` };
  if (exit.spawnError)
    return { outcome: 'failed', reason: `${agentName} could not be started: ${exit.spawnError}` };
  if (summary && summary.errors.length > 0) return { outcome: 'failed', reason: summary.errors.join('; ') };
  if (summary && summary.rejected.length > 0) {
    return {
      outcome: 'failed',
      reason: `a tool call was rejected by a permission rule: ${summary.rejected[0]}`,
    };
  }
  if (exit.exitCode !== 0) {
    const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.exitCode}`;
    return { outcome: 'failed', reason: `${agentName} ${how}` };
  }
  return null;
}

/**
 * Run one task: resolve repo and task, create the worktree, build the prompt, run the agent, commit the
 * change, push the branch, remove the worktree. Never throws for task failures: the outcome says it.
 * Usage errors (bad repo, tasks file, task id) give exit code 2.
 */
export async function runTask(options: RunTaskOptions, rawIo: RunnerIO): Promise<RunTaskOutput> {
  const started = Date.now();
  // Wall time per phase, logged at the end (the runner's own overhead is everything but `agent`).
  const timings: Record<string, number> = {};
  let lastMark = started;
  const mark = (phase: string) => {
    const now = Date.now();
    timings[phase] = (timings[phase] ?? 0) + now - lastMark;
    lastMark = now;
  };
  // A snapshot: token mode puts its git settings into process.env (for worktree-manager's git), not here.
  const env: NodeJS.ProcessEnv = { ...(options.env ?? process.env) };
  // The git token never reaches stdout, stderr, the result files or the termination log.
  const redact = createRedactor(gitTokenSecrets(env));
  const io: RunnerIO = { log: (line) => rawIo.log(redact(line)), warn: (line) => rawIo.warn(redact(line)) };
  let auth: GitAuth = NO_GIT_AUTH;
  let restoreEnv = () => {};
  const runId = options.run ?? env.ASDLC_RUN_ID ?? defaultRunId();
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const killGraceMs = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  const remote = options.remote ?? 'origin';
  const result: TaskResult = {
    task: options.task,
    branch: null,
    baseSha: null,
    sha: null,
    pushed: false,
    filesChanged: [],
    durationMs: 0,
    tokens: null,
    cost: null,
    outcome: 'failed',
    reason: null,
  };
  let repoRoot: string | null = null;
  let usage = false;
  let worktree: TaskWorktree | null = null;
  const finish = (outcome: TaskOutcome, reason: string | null) => {
    result.outcome = outcome;
    result.reason = reason === null ? null : redact(reason);
  };

  try {
    auth = resolveGitAuth(env);
    // Every git process: the clone gets it in its env; worktree-manager's (push, ls-remote) inherit process.env.
    restoreEnv = exportGitAuth(auth, env);
    if (auth.mode === 'token') io.warn(`git auth: token from $${auth.tokenEnv} via a credential helper`);
    const agentEnv = withoutGitToken(env, auth);
    const repo = await resolveRepo(options.repo, options.base, options.workDir, env, io.warn, auth);
    repoRoot = repo.root;
    const tasksFile = await resolveTasksFile(repo.root, options.tasksFile, env);
    const graph = parseTasks(readFileSync(join(repo.root, tasksFile), 'utf8'), { path: tasksFile });
    const task = selectTask(graph, options.task, tasksFile);
    result.task = task.id;
    const featureDir = posix.dirname(tasksFile);
    const feature =
      graph.feature ?? featureFromPath(tasksFile) ?? (featureDir === '.' ? null : basename(featureDir));
    const phase = graph.phases.find((p) => p.index === task.phase) ?? null;

    mark('setup');
    if (options.signal?.aborted) throw new AgentRunnerError('E_AGENT', 'cancelled before the agent started');
    worktree = await createTaskWorktree({
      repo: repo.root,
      baseRef: repo.baseRef,
      taskId: task.id,
      ...(feature ? { feature } : {}),
      ...(options.branchTemplate ? { branchTemplate: options.branchTemplate } : {}),
      ...(options.reuseBranch ? { reuseBranch: true } : {}),
    });
    result.branch = worktree.branch;
    result.baseSha = worktree.baseSha;
    const startSha = await headSha(worktree.path);
    io.warn(
      `task ${task.id} on branch ${worktree.branch} (base ${worktree.baseSha.slice(0, 12)}) in ${worktree.path}`,
    );

    // The lease for a re-run: the remote branch must still be where it was before this run started.
    const lease = worktree.reused
      ? {
          expectedSha: await remoteBranchSha({ repo: worktree.path, remote, branch: worktree.branch }).catch(
            () => null,
          ),
        }
      : null;

    mark('worktree');
    const prompt = buildPrompt({
      roots: [worktree.path, repo.root],
      delegationRoots: [repo.root, worktree.path],
      tasksFile,
      graph,
      task,
      feature,
    });
    const stateDir = join(worktree.path, '.agentic-sdlc');
    mkdirSync(stateDir, { recursive: true });
    const promptFile = join(stateDir, `prompt-${task.id}.md`);
    writeFileSync(promptFile, prompt.text);
    io.warn(
      `prompt ${promptFile}${prompt.delegation ? ' (delegation prompt)' : ''}: ${prompt.sources.length > 0 ? prompt.sources.join(', ') : 'no feature documents'}`,
    );

    mark('prompt');
    // --- the agent -------------------------------------------------------------------------------------
    let agentLabel: string;
    let exit: AgentExit;
    let summary: EventSummary | null = null;
    let opencodeStderr = '';
    if (options.agentCmd) {
      agentLabel = basename(options.agentCmd.trim().split(/\s+/)[0] ?? 'agent');
      io.warn(`running agent command: ${options.agentCmd}`);
      exit = await runAgentProcess({
        file: options.agentCmd,
        shell: true,
        cwd: worktree.path,
        env: {
          ...agentEnv,
          PWD: worktree.path,
          ASDLC_TASK_ID: task.id,
          ASDLC_TASK_TITLE: task.title,
          ASDLC_PROMPT_FILE: promptFile,
          ASDLC_WORKTREE: worktree.path,
          ASDLC_BRANCH: worktree.branch,
          ...(feature ? { ASDLC_FEATURE: feature } : {}),
        },
        timeoutMs,
        killGraceMs,
        ...(options.signal ? { signal: options.signal } : {}),
        onStdout: (line) => io.log(guard(line)),
        onStderr: (line) => io.warn(line),
      });
    } else {
      const bin = resolveOpencodeBin(options.opencodeBin, agentEnv);
      const model = options.model ?? env.ASDLC_MODEL;
      const invocation = opencodeInvocation({
        worktree: worktree.path,
        model,
        prompt: prompt.text,
        promptFile,
        env: agentEnv,
      });
      // `opencode --version` (for the Agent: trailer) runs alongside the agent: it costs about a second.
      const version = opencodeVersion(bin, invocation.env);
      io.warn(`running opencode${model ? ` with model ${model}` : ' with its configured model'}`);
      // Parallel first runs on one OpenCode data dir race on its database migration; such a run did
      // nothing yet, so it is retried (bounded) after a short random pause.
      let summariser = new EventSummariser(worktree.path);
      let stderrTail: string[] = [];
      for (let attempt = 1; ; attempt++) {
        summariser = new EventSummariser(worktree.path);
        stderrTail = [];
        const current = summariser;
        exit = await runAgentProcess({
          file: bin,
          args: invocation.args,
          cwd: worktree.path,
          env: invocation.env,
          timeoutMs,
          killGraceMs,
          ...(options.signal ? { signal: options.signal } : {}),
          onStdout: (line) => {
            for (const l of current.line(line)) io.log(guard(l));
          },
          onStderr: (line) => {
            const l = current.stderrLine(line);
            if (l === null) return;
            io.warn(`opencode: ${l}`);
            if (stderrTail.length < 40) stderrTail.push(l.trim());
          },
        });
        const raced = exit.exitCode !== 0 && isStartupRace(stderrTail, current.summary);
        if (!raced || attempt >= STARTUP_RACE_ATTEMPTS || exit.cancelled || exit.timedOut) break;
        io.warn(
          `opencode failed while opening its database (parallel start-up); retrying (${attempt + 1}/${STARTUP_RACE_ATTEMPTS})`,
        );
        await new Promise((resolve) => setTimeout(resolve, 500 + Math.random() * 1500));
      }
      if (exit.exitCode !== 0 && !exit.timedOut && !exit.cancelled)
        opencodeStderr = firstErrorLines(stderrTail);
      summary = summariser.summary;
      agentLabel = `opencode ${await version}`;
      result.tokens = summary.tokens;
      result.cost = summary.cost;
      if (summariser.toolErrors.length > 0) {
        io.warn(
          `${summariser.toolErrors.length} tool call(s) failed during the run (the model saw the errors)`,
        );
      }
    }
    mark('agent');
    const agentName = options.agentCmd ? `agent command (${agentLabel})` : 'opencode';
    const failure = agentFailureReason(exit, summary, agentName, timeoutMs);
    if (failure && failure.outcome === 'failed' && opencodeStderr) failure.reason += `: ${opencodeStderr}`;

    // --- commit and push --------------------------------------------------------------------------------
    if (failure) {
      finish(failure.outcome, failure.reason);
      io.warn(`agent finished: ${failure.outcome}: ${failure.reason}`);
      // Work the agent committed itself stays: push it so it survives the worktree (and the pod).
      const head = await headSha(worktree.path);
      if ((failure.outcome === 'timed-out' || failure.outcome === 'cancelled') && head !== startSha) {
        result.sha = head;
        result.filesChanged = await changedFiles(worktree.path, startSha, head);
        await pushBranch({
          worktree: worktree.path,
          remote,
          branch: worktree.branch,
          ...(lease ? { forceWithLease: lease } : {}),
        }).then(
          () => {
            result.pushed = true;
          },
          (error: unknown) => io.warn(`push of the agent's own commits failed: ${(error as Error).message}`),
        );
      }
    } else {
      const author = {
        name: options.authorName ?? env.ASDLC_GIT_AUTHOR_NAME ?? DEFAULT_AUTHOR.name,
        email: options.authorEmail ?? env.ASDLC_GIT_AUTHOR_EMAIL ?? DEFAULT_AUTHOR.email,
      };
      const trailers: Record<string, string> = { Task: task.id };
      if (feature) trailers.Feature = feature;
      trailers.Agent = agentLabel;
      await commitTaskChanges({
        worktree: worktree.path,
        message: commitMessage(task, phase),
        trailers,
        author,
      });
      const head = await headSha(worktree.path);
      mark('commit');
      if (head === startSha) {
        finish('no-changes', `the agent made no change to the tree`);
        io.warn('no changes: nothing committed, nothing pushed');
      } else {
        result.sha = head;
        // This run's change: from where the branch stood when the run started (the base, or on a re-run
        // the branch's previous tip) to the new head, including commits the agent made itself.
        result.filesChanged = await changedFiles(worktree.path, startSha, head);
        io.warn(
          `committed ${head.slice(0, 12)} (${result.filesChanged.length} file(s)); pushing ${worktree.branch} to ${remote}`,
        );
        try {
          await pushBranch({
            worktree: worktree.path,
            remote,
            branch: worktree.branch,
            ...(lease ? { forceWithLease: lease } : {}),
          });
          result.pushed = true;
          finish('succeeded', null);
          mark('push');
        } catch (error) {
          const e = error as Error & { code?: string; reason?: string };
          let reason = e.code === 'E_PUSH_REJECTED' && e.reason ? `push rejected: ${e.reason}` : e.message;
          if (auth.mode === 'token' && isAuthFailure(reason)) reason += authFailureHint(auth);
          finish('failed', reason);
        }
      }
    }
  } catch (error) {
    const e = error as Error;
    if (error instanceof UsageError) {
      usage = true;
      finish('failed', e.message);
    } else if (options.signal?.aborted) finish('cancelled', `cancelled: ${e.message}`);
    else finish('failed', e.message);
  }
  mark('other');
  await cleanup();
  restoreEnv();
  mark('cleanup');
  result.durationMs = Date.now() - started;
  io.warn(
    `timings: ${Object.entries(timings)
      .map(([k, v]) => `${k} ${v}ms`)
      .join(', ')}`,
  );
  // Without a repository (e.g. the clone failed) there is no result file, but the termination log still
  // tells the launcher why.
  try {
    writeResultFiles(result, {
      repoRoot,
      runId,
      ...(env.ASDLC_TERMINATION_LOG ? { terminationLog: env.ASDLC_TERMINATION_LOG } : {}),
    });
  } catch (error) {
    io.warn(`could not write the result file: ${(error as Error).message}`);
  }
  return { result, exitCode: usage ? 2 : exitCodeFor(result.outcome) };

  async function cleanup(): Promise<void> {
    if (!worktree || !repoRoot) return;
    const path = worktree.path;
    worktree = null;
    try {
      await removeTaskWorktree({ repo: repoRoot, path, keep: options.keepWorktree ?? false });
      if (options.keepWorktree) io.warn(`worktree kept at ${path}`);
    } catch (error) {
      io.warn(`could not remove the worktree ${path}: ${(error as Error).message}`);
    }
  }
}

async function changedFiles(worktree: string, from: string, to: string): Promise<string[]> {
  const { stdout } = await execa('git', ['diff', '--name-only', '--no-renames', from, to], {
    cwd: worktree,
    stdin: 'ignore',
  });
  return stdout
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .sort();
}
