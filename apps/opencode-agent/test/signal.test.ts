import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { groupAlive } from '../src/_process.js';
import { parseResultLine } from '../src/_result.js';
import { createFixture } from './_fixture.js';

const root = join(import.meta.dirname, '..');
const bin = join(root, 'dist', 'bin.js');

beforeAll(async () => {
  // The signal test needs the built binary (turbo builds it before `test`; build here when run alone).
  if (!existsSync(bin)) {
    const { execa } = await import('execa');
    await execa('pnpm', ['exec', 'tsc', '-p', 'tsconfig.build.json'], { cwd: root });
  }
}, 120_000);

describe('asdlc-agent receiving SIGTERM', () => {
  it('stops the agent group, reports cancelled and still prints the result line', async () => {
    const fx = createFixture();
    const pidFile = join(fx.dir, 'agent.pid');
    const child = spawn(
      process.execPath,
      [
        bin,
        'run-task',
        '--repo',
        fx.repo,
        '--task',
        'T006',
        '--kill-grace',
        '2s',
        '--agent-cmd',
        `echo $$ > ${pidFile}; echo started; sleep 600`,
      ],
      { env: fx.env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('started')) child.kill('SIGTERM');
    });
    child.stderr.resume();
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    const lines = out.trim().split('\n');
    const result = parseResultLine(lines.at(-1) ?? '');
    expect(code).toBe(1);
    expect(result).toMatchObject({ task: 'T006', outcome: 'cancelled', pushed: false });
    expect(groupAlive(Number(readFileSync(pidFile, 'utf8').trim()))).toBe(false);
  }, 60_000);
});
