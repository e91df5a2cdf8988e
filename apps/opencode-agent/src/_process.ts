import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { execa } from 'execa';

export interface SpawnAgentOptions {
  /** Program and arguments, or a shell command line when `shell` is true. */
  file: string;
  args?: string[];
  shell?: boolean;
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  /** Grace period between SIGTERM and SIGKILL of the process group. */
  killGraceMs: number;
  signal?: AbortSignal;
  onStdout(line: string): void;
  onStderr(line: string): void;
}

export interface AgentExit {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  cancelled: boolean;
  /** Spawn failure (ENOENT, …). */
  spawnError: string | null;
  durationMs: number;
}

function killGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** True while any (non-zombie) process of the group `pgid` exists. */
export function groupAlive(pgid: number): boolean {
  if (existsSync('/proc/self/stat')) {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        // pid (comm) state ppid pgrp …: comm may contain spaces, so parse after the last ')'
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') return true;
      } catch {
        // the process went away while we looked
      }
    }
    return false;
  }
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Run an agent in its own process group (detached) with stdin closed. On timeout or abort the whole group
 * gets SIGTERM, then SIGKILL after the grace period. When the agent exits, leftovers of its group are killed.
 */
export async function runAgentProcess(
  options: SpawnAgentOptions,
): Promise<AgentExit & { pid: number | null }> {
  const started = Date.now();
  const child = execa(options.file, options.args ?? [], {
    cwd: options.cwd,
    env: options.env,
    extendEnv: false,
    shell: options.shell ?? false,
    detached: true,
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
    buffer: false,
    reject: false,
    cleanup: false,
    stripFinalNewline: false,
  });
  const pid = child.pid ?? null;
  let timedOut = false;
  let cancelled = false;
  let exited = false;
  let killTimer: NodeJS.Timeout | null = null;

  const stop = () => {
    if (pid === null || exited) return;
    killGroup(pid, 'SIGTERM');
    killTimer = setTimeout(() => {
      killGroup(pid, 'SIGKILL');
    }, options.killGraceMs);
  };
  const timer = setTimeout(() => {
    timedOut = true;
    stop();
  }, options.timeoutMs);
  const onAbort = () => {
    if (timedOut || cancelled) return;
    cancelled = true;
    stop();
  };
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });

  child.on('exit', () => {
    exited = true;
    // Background leftovers of the agent (servers, watchers) would hold our pipes open: end the group.
    if (pid !== null) killGroup(pid, 'SIGKILL');
  });

  const drain = (stream: NodeJS.ReadableStream | null, onLine: (l: string) => void) =>
    stream
      ? new Promise<void>((resolve) => {
          const rl = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
          rl.on('line', onLine);
          rl.on('close', () => resolve());
        })
      : Promise.resolve();

  const [result] = await Promise.all([
    child,
    drain(child.stdout, options.onStdout),
    drain(child.stderr, options.onStderr),
  ]);
  clearTimeout(timer);
  if (killTimer) clearTimeout(killTimer);
  options.signal?.removeEventListener('abort', onAbort);
  const failed = result as {
    exitCode?: number;
    signal?: string;
    code?: string;
    message?: string;
    failed?: boolean;
  };
  const spawnError =
    failed.exitCode === undefined && failed.signal === undefined && failed.failed
      ? (failed.message ?? 'spawn failed')
      : null;
  return {
    pid,
    exitCode: failed.exitCode ?? null,
    signal: failed.signal ?? null,
    timedOut,
    cancelled,
    spawnError,
    durationMs: Date.now() - started,
  };
}
