import { describe, expect, it } from 'vitest';
import { groupAlive, runAgentProcess } from './_process.js';

const base = { cwd: process.cwd(), env: { ...process.env }, killGraceMs: 500 };

describe('runAgentProcess', () => {
  it('runs a shell command with stdin closed and streams its lines', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const exit = await runAgentProcess({
      ...base,
      file: 'echo one; echo two >&2; read x || echo stdin-closed; exit 3',
      shell: true,
      timeoutMs: 10_000,
      onStdout: (l) => out.push(l),
      onStderr: (l) => err.push(l),
    });
    expect(exit).toMatchObject({ exitCode: 3, timedOut: false, cancelled: false, spawnError: null });
    expect(out).toEqual(['one', 'stdin-closed']);
    expect(err).toEqual(['two']);
  });

  it('kills the whole process group on timeout (SIGTERM, then SIGKILL after the grace)', async () => {
    const started = Date.now();
    const exit = await runAgentProcess({
      ...base,
      // the shell ignores SIGTERM, so only the SIGKILL after the grace period ends it
      file: "trap '' TERM; sleep 600 & sleep 600; wait",
      shell: true,
      timeoutMs: 300,
      onStdout: () => {},
      onStderr: () => {},
    });
    expect(exit.timedOut).toBe(true);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(exit.pid).not.toBeNull();
    expect(groupAlive(exit.pid!)).toBe(false);
  });

  it('stops the group when the signal aborts, and reports cancelled', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const exit = await runAgentProcess({
      ...base,
      file: 'sleep 600',
      shell: true,
      timeoutMs: 60_000,
      signal: controller.signal,
      onStdout: () => {},
      onStderr: () => {},
    });
    expect(exit).toMatchObject({ cancelled: true, timedOut: false });
    expect(groupAlive(exit.pid!)).toBe(false);
  });

  it('does not wait for background leftovers holding the pipes after the agent exits', async () => {
    const started = Date.now();
    const exit = await runAgentProcess({
      ...base,
      file: 'sleep 600 & echo started',
      shell: true,
      timeoutMs: 60_000,
      onStdout: () => {},
      onStderr: () => {},
    });
    expect(exit.exitCode).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(groupAlive(exit.pid!)).toBe(false);
  });

  it('reports a program that cannot be started', async () => {
    const exit = await runAgentProcess({
      ...base,
      file: '/nonexistent/agent-binary',
      timeoutMs: 5000,
      onStdout: () => {},
      onStderr: () => {},
    });
    expect(exit.spawnError).toMatch(/ENOENT|not found|nonexistent/);
  });
});
