import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  branchHead,
  createBareRepo,
  type GitServer,
  listBranches,
  parseCgiHead,
  startGitServer,
} from '../src/index.js';

const TOKEN = `tok-${randomBytes(12).toString('hex')}`;

const temps: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'git-server-test-'));
  temps.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
});

const servers: GitServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

/** Client git env: no user/system config, no prompts, no askpass. */
function clientEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: tempDir(),
    LC_ALL: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: 't',
    GIT_AUTHOR_EMAIL: 't@t',
    GIT_COMMITTER_NAME: 't',
    GIT_COMMITTER_EMAIL: 't@t',
    ...extra,
  };
}

/** Credentials through a helper that reads the token from the environment (never argv or URL). */
function tokenEnv(token: string): Record<string, string> {
  return {
    TEST_GIT_TOKEN: token,
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'credential.helper',
    GIT_CONFIG_VALUE_0: `!f() { test "$1" = get || exit 0; echo username=x-access-token; printf 'password=%s\\n' "$TEST_GIT_TOKEN"; }; f`,
  };
}

interface GitRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Async (the server runs in this process: a sync child would block it). Bounded by a timeout. */
function runGit(cwd: string, args: string[], env: NodeJS.ProcessEnv): Promise<GitRun> {
  return new Promise((resolve) => {
    execFile(
      'git',
      args,
      { cwd, env, timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

async function gitOk(cwd: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const r = await runGit(cwd, args, env);
  if (r.code !== 0) throw new Error(`git ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout.trim();
}

/** A local repo on `main` with one commit (and `branches` extra branches), served as `app.git`. */
async function setup(branches = 0): Promise<{ root: string; work: string; server: GitServer }> {
  const base = tempDir();
  const root = join(base, 'srv');
  const src = join(base, 'src');
  mkdirSync(root);
  mkdirSync(src);
  const env = clientEnv();
  await gitOk(src, ['init', '-q', '-b', 'main'], env);
  writeFileSync(join(src, 'README.md'), '# app\n');
  await gitOk(src, ['add', '.'], env);
  await gitOk(src, ['commit', '-qm', 'init'], env);
  for (let i = 0; i < branches; i++) await gitOk(src, ['branch', `feature/branch-number-${i}`], env);
  createBareRepo(root, 'app', { from: src });
  const server = await startGitServer({ root, token: TOKEN });
  servers.push(server);
  return { root, work: base, server };
}

describe('parseCgiHead', () => {
  it('reads Status and the other headers', () => {
    expect(parseCgiHead('Status: 404 Not Found\r\nContent-Type: text/plain\r\nX-A: b: c')).toEqual({
      status: 404,
      statusText: 'Not Found',
      headers: [
        ['Content-Type', 'text/plain'],
        ['X-A', 'b: c'],
      ],
    });
    expect(
      parseCgiHead('Content-Type: application/x-git-upload-pack-advertisement\nExpires: x')?.status,
    ).toBe(200);
    expect(parseCgiHead('Location: /x')?.status).toBe(302);
    expect(parseCgiHead('not a header')).toBeNull();
    expect(parseCgiHead('Status: abc')).toBeNull();
  });
});

describe('startGitServer', () => {
  it('serves a clone to a client with the token; records requests without the token', async () => {
    const { work, server } = await setup();
    const dest = join(work, 'clone');
    await gitOk(work, ['clone', '-q', server.repoUrl('app'), dest], clientEnv(tokenEnv(TOKEN)));
    expect(await gitOk(dest, ['log', '-1', '--format=%s'], clientEnv())).toBe('init');
    expect(server.repoUrl('app')).toBe(`${server.baseUrl}/app.git`);
    expect(server.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.requests.some((r) => r.status === 200 && r.user === 'x-access-token')).toBe(true);
    expect(server.requests.every((r) => r.path.startsWith('/app.git/'))).toBe(true);
    const recorded = JSON.stringify(server.requests);
    expect(recorded).not.toContain(TOKEN);
    expect(recorded).not.toContain(Buffer.from(`x-access-token:${TOKEN}`).toString('base64'));
  });

  it('accepts a push of a new branch (large pack, chunked body); the branch is in the bare repo', async () => {
    const { root, work, server } = await setup();
    const dest = join(work, 'clone');
    const env = clientEnv(tokenEnv(TOKEN));
    await gitOk(work, ['clone', '-q', server.repoUrl('app'), dest], env);
    await gitOk(dest, ['switch', '-q', '-c', 'task/t001'], env);
    // Incompressible and larger than http.postBuffer (1 MiB): git sends it chunked, without Content-Length.
    writeFileSync(join(dest, 'blob.bin'), randomBytes(3 * 1024 * 1024));
    await gitOk(dest, ['add', '.'], env);
    await gitOk(dest, ['commit', '-qm', 'big'], env);
    await gitOk(dest, ['push', '-q', 'origin', 'task/t001'], env);
    expect(listBranches(root, 'app')).toEqual(['main', 'task/t001']);
    expect(branchHead(root, 'app', 'task/t001')).toBe(await gitOk(dest, ['rev-parse', 'HEAD'], env));
    expect(branchHead(root, 'app', 'nope')).toBeNull();
    expect(server.requests.some((r) => r.method === 'POST' && r.path.endsWith('/git-receive-pack'))).toBe(
      true,
    );
    expect(JSON.stringify(server.requests)).not.toContain(TOKEN);
  });

  it('handles gzip-encoded request bodies (a fetch with many wants)', async () => {
    const { work, server } = await setup(40);
    const dest = join(work, 'clone');
    const r = await runGit(
      work,
      ['clone', '--no-single-branch', '-q', server.repoUrl('app'), dest],
      clientEnv({ ...tokenEnv(TOKEN), GIT_TRACE_CURL: '1', GIT_TRACE_CURL_NO_DATA: '1' }),
    );
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    expect(r.stderr).toMatch(/Content-Encoding: gzip/i);
    const remoteBranches = await gitOk(dest, ['branch', '-r'], clientEnv());
    expect(remoteBranches.split('\n').length).toBeGreaterThanOrEqual(41);
  });

  it('refuses a client without credentials (401 + WWW-Authenticate)', async () => {
    const { work, server } = await setup();
    const r = await runGit(work, ['clone', '-q', server.repoUrl('app'), join(work, 'c')], clientEnv());
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/could not read Username|Authentication failed/);
    expect(server.requests.some((q) => q.status === 401)).toBe(true);
    expect(server.requests.every((q) => q.status === 401 && q.user === undefined)).toBe(true);

    const res = await new Promise<{ status: number; auth: string | undefined }>((resolve, reject) => {
      request(`${server.repoUrl('app')}/info/refs?service=git-upload-pack`, (response) => {
        response.resume();
        resolve({ status: response.statusCode ?? 0, auth: response.headers['www-authenticate'] });
      })
        .on('error', reject)
        .end();
    });
    expect(res).toEqual({ status: 401, auth: 'Basic realm="asdlc-git"' });
  });

  it('refuses a wrong token and a wrong user name', async () => {
    const { work, server } = await setup();
    const wrong = await runGit(
      work,
      ['clone', '-q', server.repoUrl('app'), join(work, 'c1')],
      clientEnv(tokenEnv(`${TOKEN}x`)),
    );
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/Authentication failed/);
    const url = server.repoUrl('app').replace('http://', `http://someone:${TOKEN}@`);
    const user = await runGit(work, ['clone', '-q', url, join(work, 'c2')], clientEnv());
    expect(user.code).not.toBe(0);
    expect(server.requests.every((q) => q.status === 401)).toBe(true);
    expect(JSON.stringify(server.requests)).not.toContain(TOKEN);
  });

  it('stop() frees the port and is idempotent', async () => {
    const { server } = await setup();
    const port = Number(new URL(server.baseUrl).port);
    await Promise.all([server.stop(), server.stop()]);
    await server.stopped;
    await new Promise<void>((resolve, reject) => {
      const probe = createServer();
      probe.once('error', reject);
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
    });
  });

  it('stops itself after lifetimeMs', async () => {
    const base = tempDir();
    const server = await startGitServer({ root: base, token: TOKEN, lifetimeMs: 150 });
    servers.push(server);
    const t0 = Date.now();
    const outcome = await Promise.race([
      server.stopped.then(() => 'stopped'),
      new Promise((resolve) => setTimeout(() => resolve('still running'), 5_000)),
    ]);
    expect(outcome).toBe('stopped');
    expect(Date.now() - t0).toBeLessThan(5_000);
    const error = await new Promise<string>((resolve) => {
      request(`${server.baseUrl}/x.git/info/refs`, (res) => {
        res.resume();
        resolve(`answered ${res.statusCode}`);
      })
        .on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'))
        .end();
    });
    expect(error).toBe('ECONNREFUSED');
  });

  it('validates repository names', () => {
    expect(() => createBareRepo(tempDir(), '../escape')).toThrow(/invalid repository name/);
  });
});
