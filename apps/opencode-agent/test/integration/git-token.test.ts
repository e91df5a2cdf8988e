import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  branchHead,
  createBareRepo,
  type GitServer,
  listBranches,
  startGitServer,
} from '@agentic-sdlc/git-server';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseResultLine } from '../../src/_result.js';
import type { TaskResult } from '../../src/types.js';
import { createFixture, FEATURE, type Fixture, git, writeScript } from '../_fixture.js';

// The built CLI, as the pod runs it (`pnpm test` builds first).
const AGENT_BIN = join(dirname(fileURLToPath(import.meta.url)), '../../dist/bin.js');
const BRANCH = `${FEATURE}-t006`;
const TOKEN = `ghs_${randomBytes(18).toString('hex')}`;

interface AgentRun {
  code: number;
  stdout: string;
  stderr: string;
  result: TaskResult | null;
}

/** Every file under `dir` (bounded) whose content contains `needle`. */
function filesContaining(dir: string, needle: string, limit = 5000): string[] {
  const found: string[] = [];
  const stack = [dir];
  let seen = 0;
  while (stack.length > 0 && seen < limit) {
    const d = stack.pop()!;
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = statSync(p);
      seen++;
      if (st.isDirectory()) stack.push(p);
      else if (st.isFile() && st.size < 5_000_000 && readFileSync(p).includes(needle)) found.push(p);
    }
  }
  return found;
}

describe('asdlc-agent run-task over HTTPS-style token auth (git http-backend)', () => {
  let fx: Fixture;
  let root: string;
  let server: GitServer;
  let agent: string;

  beforeAll(async () => {
    if (!existsSync(AGENT_BIN)) throw new Error(`${AGENT_BIN} is missing: run pnpm build first`);
    fx = createFixture();
    root = join(fx.dir, 'git-root');
    mkdirSync(root);
    createBareRepo(root, 'app', { from: fx.repo });
    server = await startGitServer({ root, token: TOKEN, lifetimeMs: 5 * 60_000 });
    agent = writeScript(
      fx.dir,
      'agent.sh',
      [
        'set -e',
        'mkdir -p src',
        'printf "export const sync = () => 1;\\n" > src/sync.ts',
        // The agent does not get the token; a copy under another name is still redacted from its output.
        'if [ -n "$GIT_TOKEN" ]; then echo "agent sees GIT_TOKEN=set"; else echo "agent sees GIT_TOKEN=unset"; fi',
        'echo "leaked: $LEAKED_COPY"',
      ].join('\n'),
    );
  });
  afterAll(async () => {
    await server?.stop();
  });

  async function runAgent(name: string, extraEnv: Record<string, string | undefined>): Promise<AgentRun> {
    const workDir = join(fx.dir, `work-${name}`);
    const env: NodeJS.ProcessEnv = {
      ...fx.env,
      ASDLC_TERMINATION_LOG: join(fx.dir, `termination-${name}`),
      ASDLC_GIT_AUTH_MODE: 'token',
      ASDLC_GIT_TOKEN_ENV: 'GIT_TOKEN',
      GIT_CONFIG_NOSYSTEM: '1',
      LEAKED_COPY: TOKEN,
      ...extraEnv,
    };
    delete env.GIT_TOKEN;
    if (extraEnv.GIT_TOKEN !== undefined) env.GIT_TOKEN = extraEnv.GIT_TOKEN;
    const r = await execa(
      process.execPath,
      [
        AGENT_BIN,
        'run-task',
        '--repo',
        server.repoUrl('app'),
        '--base',
        FEATURE,
        '--task',
        'T006',
        '--run',
        'r1',
        '--agent-cmd',
        agent,
        '--work-dir',
        workDir,
      ],
      { env, extendEnv: false, reject: false, timeout: 90_000, stdin: 'ignore' },
    );
    const stdout = String(r.stdout);
    const lines = stdout.split('\n').filter(Boolean);
    return {
      code: r.exitCode ?? -1,
      stdout,
      stderr: String(r.stderr),
      result: parseResultLine(lines.at(-1) ?? ''),
    };
  }

  it('clones and pushes with the token from $GIT_TOKEN; the token is printed and stored nowhere', async () => {
    const run = await runAgent('ok', { GIT_TOKEN: TOKEN });
    expect(run.code, run.stderr).toBe(0);
    expect(run.result).toMatchObject({ task: 'T006', branch: BRANCH, pushed: true, outcome: 'succeeded' });
    expect(listBranches(root, 'app')).toEqual([FEATURE, BRANCH]);
    const bare = join(root, 'app.git');
    expect(branchHead(root, 'app', BRANCH)).toBe(run.result!.sha);
    expect(git(bare, 'log', '-1', '--format=%s', BRANCH)).toBe(
      'feat(T006): Implement CalendarSync service in src/sync.ts',
    );
    expect(git(bare, 'show', '--name-only', '--format=', BRANCH)).toBe('src/sync.ts');

    expect(run.stdout).toContain('agent sees GIT_TOKEN=unset');
    expect(run.stdout).toContain('leaked: [redacted]');
    expect(run.stderr).toContain('git auth: token from $GIT_TOKEN');
    expect(run.stdout).not.toContain(TOKEN);
    expect(run.stderr).not.toContain(TOKEN);
    const termination = readFileSync(join(fx.dir, 'termination-ok'), 'utf8');
    expect(JSON.parse(termination)).toEqual(run.result);
    expect(termination).not.toContain(TOKEN);
    // The clone (its .git/config, result file …) holds no token; the remote URL has no credentials.
    const clone = readdirSync(join(fx.dir, 'work-ok'));
    expect(clone).toHaveLength(1);
    const cloneDir = join(fx.dir, 'work-ok', clone[0]!);
    expect(existsSync(join(cloneDir, '.agentic-sdlc', 'runs', 'r1', 'T006.json'))).toBe(true);
    expect(filesContaining(join(fx.dir, 'work-ok'), TOKEN)).toEqual([]);
    expect(git(cloneDir, 'remote', 'get-url', 'origin')).toBe(server.repoUrl('app'));

    expect(server.requests.some((q) => q.method === 'POST' && q.path.endsWith('/git-receive-pack'))).toBe(
      true,
    );
    expect(server.requests.filter((q) => q.status === 200).every((q) => q.user === 'x-access-token')).toBe(
      true,
    );
    expect(JSON.stringify(server.requests)).not.toContain(TOKEN);
  });

  it('a wrong token: failed, the reason says authentication failed, no token anywhere', async () => {
    const wrong = `ghs_${randomBytes(18).toString('hex')}`;
    const before = server.requests.length;
    const run = await runAgent('wrong', { GIT_TOKEN: wrong });
    expect(run.code).not.toBe(0);
    expect(run.result?.outcome).toBe('failed');
    expect(run.result?.reason).toMatch(/authentication failed/i);
    expect(run.result?.reason).toContain('$GIT_TOKEN');
    for (const secret of [wrong, TOKEN]) {
      expect(run.stdout).not.toContain(secret);
      expect(run.stderr).not.toContain(secret);
      expect(run.result?.reason).not.toContain(secret);
    }
    const termination = readFileSync(join(fx.dir, 'termination-wrong'), 'utf8');
    expect(JSON.parse(termination)).toEqual(run.result);
    expect(termination).not.toContain(wrong);
    expect(server.requests.slice(before).every((q) => q.status === 401)).toBe(true);
  });

  it('no token in the environment: an early E_GIT_AUTH usage error naming the env var and the fix', async () => {
    const before = server.requests.length;
    const run = await runAgent('missing', { ASDLC_GIT_TOKEN_ENV: 'MY_GIT_PAT' });
    expect(run.code).toBe(2);
    expect(run.result?.outcome).toBe('failed');
    expect(run.result?.reason).toContain('MY_GIT_PAT is not set');
    expect(run.result?.reason).toContain('secrets.gitToken');
    expect(server.requests.length).toBe(before);
  });
});
