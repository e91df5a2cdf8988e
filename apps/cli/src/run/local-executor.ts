import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SourceItem } from '@agentic-sdlc/log-multiplexer';
import { type LogMultiplexer, streamSource } from '@agentic-sdlc/log-multiplexer';
import { parseResultLine } from '@agentic-sdlc/secrets-config';
import type { Task } from '@agentic-sdlc/tasks-parser';
import { execa, type ResultPromise } from 'execa';
import type { TaskRunResult } from './scheduler.js';

export interface LocalRunContext {
  mux: LogMultiplexer;
  repo: string;
  tasksFile: string;
  baseRef: string;
  runId: string;
  timeoutMs: number;
  timeout: string;
  remote: string;
  agentCmd?: string;
  model?: string;
  keepWorktree?: boolean;
  /** Continue on a task branch left by an earlier run (`asdlc-agent --reuse-branch`). */
  rerun?: boolean;
  /** Live children, so Ctrl-C can stop them. */
  children: Set<ResultPromise>;
}

/** Extra time the runner gets past its own timeout before the executor kills it. */
const BACKSTOP_GRACE_MS = 60_000;

/** The `asdlc-agent` program: `ASDLC_AGENT_BIN`, else the installed @agentic-sdlc/opencode-agent. */
export function agentBin(): string {
  if (process.env.ASDLC_AGENT_BIN) return process.env.ASDLC_AGENT_BIN;
  const entry = fileURLToPath(import.meta.resolve('@agentic-sdlc/opencode-agent'));
  return join(dirname(entry), entry.endsWith('.ts') ? 'bin.ts' : 'bin.js');
}

export function agentArgs(task: Task, ctx: LocalRunContext): string[] {
  const args = ['run-task', '--repo', ctx.repo, '--task', task.id, '--tasks-file', ctx.tasksFile];
  args.push('--base', ctx.baseRef, '--run', ctx.runId, '--timeout', ctx.timeout, '--remote', ctx.remote);
  if (ctx.agentCmd) args.push('--agent-cmd', ctx.agentCmd);
  if (ctx.model) args.push('--model', ctx.model);
  if (ctx.keepWorktree) args.push('--keep-worktree');
  if (ctx.rerun) args.push('--reuse-branch');
  return args;
}

/**
 * Runs one task as a local `asdlc-agent run-task` process: its output goes to the multiplexer under the
 * task id, its result line becomes the task's result.
 */
export async function runLocalTask(task: Task, ctx: LocalRunContext): Promise<TaskRunResult> {
  const child = execa(process.execPath, [agentBin(), ...agentArgs(task, ctx)], {
    cwd: ctx.repo,
    stdin: 'ignore',
    buffer: false,
    reject: false,
    env: { ASDLC_RUN_ID: ctx.runId },
  });
  ctx.children.add(child);
  const captured: { result: TaskRunResult | null } = { result: null };
  const stderrTail: string[] = [];

  async function* stdout(): AsyncGenerator<SourceItem> {
    for await (const item of streamSource(child.stdout, 'stdout')) {
      const line = typeof item === 'string' ? item : item.line;
      const parsed = parseResultLine(line);
      if (parsed) captured.result = parsed as TaskRunResult;
      else yield item;
    }
  }
  async function* stderr(): AsyncGenerator<SourceItem> {
    for await (const item of streamSource(child.stderr, 'stderr')) {
      const line = typeof item === 'string' ? item : item.line;
      stderrTail.push(line);
      if (stderrTail.length > 5) stderrTail.shift();
      yield item;
    }
  }

  const backstop = setTimeout(() => child.kill('SIGKILL'), ctx.timeoutMs + BACKSTOP_GRACE_MS);
  const source = `pid:${child.pid ?? '?'}`;
  try {
    const [, , exit] = await Promise.all([
      ctx.mux.addSource(task.id, stdout(), source),
      ctx.mux.addSource(task.id, stderr(), source),
      child,
    ]);
    if (captured.result) {
      const { reason } = captured.result;
      if (!ctx.rerun && reason && /E_BRANCH_EXISTS|branch .* already exists/i.test(reason)) {
        captured.result.reason = `${reason} — to continue on that branch, run again with --rerun`;
      }
      return captured.result;
    }
    const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.exitCode}`;
    const killedByBackstop = exit.signal === 'SIGKILL' && (exit.durationMs ?? 0) >= ctx.timeoutMs;
    return {
      outcome: killedByBackstop ? 'timed-out' : 'failed',
      reason: `the agent runner ${how} without a result${stderrTail.length ? `: ${stderrTail.join(' | ')}` : ''}`,
    };
  } finally {
    clearTimeout(backstop);
    ctx.children.delete(child);
  }
}
