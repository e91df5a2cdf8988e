// Builds the images with tools/agent-image/build.sh (or takes them from its cache) and checks that the BUILT
// agent image agrees with docker/agent/Dockerfile, parsed here independently of the builder. Needs root.
import { type SpawnSyncOptions, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const TOOL = resolve(fileURLToPath(new URL('..', import.meta.url)));
const REPO = resolve(TOOL, '../..');
const MIN = 60_000;

// ---------------------------------------------------------------- the Dockerfile, read independently

const dockerfile = readFileSync(join(REPO, 'docker/agent/Dockerfile'), 'utf8');
const instructions: { cmd: string; args: string; stage: number }[] = [];
{
  let stage = -1;
  let buf = '';
  for (const raw of dockerfile.split('\n')) {
    const line = raw.trimEnd();
    if (line.trim().startsWith('#') || (buf === '' && line.trim() === '')) continue;
    if (line.endsWith('\\')) {
      buf += `${line.slice(0, -1)} `;
      continue;
    }
    const m = /^(\w+)\s+(.*)$/s.exec((buf + line).trim());
    buf = '';
    if (!m) continue;
    if (m[1]!.toUpperCase() === 'FROM') stage++;
    instructions.push({ cmd: m[1]!.toUpperCase(), args: m[2]!.trim(), stage });
  }
}
const lastStage = Math.max(...instructions.map((i) => i.stage));
const runtime = instructions.filter((i) => i.stage === lastStage);
const argDefaults = new Map(
  instructions
    .filter((i) => i.cmd === 'ARG' && i.args.includes('='))
    .map((i) => [i.args.split('=')[0]!, i.args.slice(i.args.indexOf('=') + 1)] as const),
);
const expand = (s: string) => s.replace(/\$\{(\w+)\}/g, (_m, k: string) => argDefaults.get(k) ?? '');
const pairs = (cmd: string) =>
  runtime
    .filter((i) => i.cmd === cmd)
    .flatMap((i) => [...i.args.matchAll(/([\w.-]+)=("(?:[^"\\]|\\.)*"|\S+)/g)])
    .map((m) => [m[1]!, expand(m[2]!.replace(/^"(.*)"$/s, '$1'))] as const);
const last = (cmd: string) => runtime.filter((i) => i.cmd === cmd).at(-1)!.args;
const nodeVersion = /^node:(\d+\.\d+\.\d+)-bookworm-slim$/.exec(argDefaults.get('NODE_IMAGE') ?? '')?.[1];
const opencodeVersion = argDefaults.get('OPENCODE_VERSION');

// ---------------------------------------------------------------- helpers

function sh(cmd: string, args: string[], opts: SpawnSyncOptions = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 2 * MIN, maxBuffer: 64 << 20, ...opts });
  return { status: r.status, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? ''), error: r.error };
}
function ok(cmd: string, args: string[], opts: SpawnSyncOptions = {}) {
  const r = sh(cmd, args, opts);
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(' ')} -> ${r.status} ${r.error ?? ''}\n${r.stderr}`);
  return r.stdout;
}

interface Layout {
  dir: string;
  index: { manifests: { digest: string; annotations?: Record<string, string> }[] };
  manifest: { config: { digest: string }; layers: { digest: string }[] };
  config: {
    architecture: string;
    os: string;
    config: {
      Env?: string[];
      WorkingDir?: string;
      User?: string;
      Entrypoint?: string[];
      Cmd?: string[];
      Labels?: Record<string, string>;
    };
  };
}
const blob = (dir: string, digest: string) => join(dir, 'blobs/sha256', digest.replace(/^sha256:/, ''));
function readLayout(tar: string, dir: string): Layout {
  ok('tar', ['-C', dir, '-xf', tar]);
  const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as Layout['index'];
  const manifest = JSON.parse(
    readFileSync(blob(dir, index.manifests[0]!.digest), 'utf8'),
  ) as Layout['manifest'];
  const config = JSON.parse(readFileSync(blob(dir, manifest.config.digest), 'utf8')) as Layout['config'];
  return { dir, index, manifest, config };
}

/** Is an ELF64 executable static (no PT_INTERP program header)? */
function isStaticElf(file: string): boolean {
  const b = readFileSync(file);
  if (b.readUInt32BE(0) !== 0x7f454c46 || b[4] !== 2) return false;
  const phoff = Number(b.readBigUInt64LE(0x20));
  const phentsize = b.readUInt16LE(0x36);
  const phnum = b.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) if (b.readUInt32LE(phoff + i * phentsize) === 3) return false;
  return true;
}

/** Is anything mounted below dir (or exactly at dir/sub)? */
function mountedUnder(dir: string, sub?: string) {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .some((p) => (sub ? p === join(dir, sub) : p.startsWith(`${dir}/`)));
}

// ---------------------------------------------------------------- build once

const work = mkdtempSync(join(tmpdir(), 'asdlc-agent-image-test-'));
let built: { agent: { ref: string; tar: string }; pause: { ref: string; tar: string } };
let agent: Layout;
let rootfs: string;
let configEnv: Map<string, string>;
let pristine: { homeConfig: string[]; home: string[]; credentialFiles: string[] };

const CREDENTIAL_NAMES = [
  '.npmrc',
  'npmrc',
  '.gitconfig',
  'gitconfig',
  '.git-credentials',
  'id_rsa',
  'id_ed25519',
];
function findCredentialFiles(root: string): string[] {
  const names = CREDENTIAL_NAMES.flatMap((n, i) => (i === 0 ? ['-name', n] : ['-o', '-name', n]));
  return ok('find', [root, '-xdev', '(', ...names, ')', '-type', 'f'])
    .split('\n')
    .filter(Boolean);
}

const isRoot = process.getuid?.() === 0;

function build() {
  const started = Date.now();
  const r = sh('bash', [join(TOOL, 'build.sh')], { timeout: 25 * MIN, stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`build.sh failed (${r.status}, ${r.error ?? ''})`);
  const lines = r.stdout.trim().split('\n');
  expect(lines).toHaveLength(1); // ONE JSON line on stdout
  return { json: JSON.parse(lines[0]!) as typeof built, seconds: (Date.now() - started) / 1000 };
}

/** Runs a command in the unpacked rootfs as the image's user, with the image's Env and WorkingDir. */
function inImage(argv: string[], user = '10001:10001') {
  const env = [...configEnv].map(([k, v]) => `${k}=${v}`);
  return sh(
    'chroot',
    [
      `--userspec=${user}`,
      rootfs,
      '/usr/bin/env',
      '-i',
      ...env,
      '/bin/sh',
      '-c',
      'cd "$0" && exec "$@"',
      agent.config.config.WorkingDir ?? '/',
      ...argv,
    ],
    { timeout: MIN },
  );
}

beforeAll(() => {
  if (!isRoot) throw new Error('tools/agent-image e2e tests need root (chroot, umoci unpack)');
  built = build().json;
  agent = readLayout(built.agent.tar, mkdtempSync(join(work, 'agent-')));
  const tag = built.agent.ref.split(':').at(-1)!;
  ok('umoci', ['unpack', '--image', `${agent.dir}:${tag}`, join(work, 'bundle')], { timeout: 10 * MIN });
  rootfs = join(work, 'bundle/rootfs');
  // Snapshot of the pristine image before any command below writes to this (writable) copy of it.
  const cfg = join(rootfs, 'home/agent/.config');
  pristine = {
    homeConfig: existsSync(cfg) ? readdirSync(cfg, { recursive: true }).map(String) : [],
    home: readdirSync(join(rootfs, 'home/agent')),
    credentialFiles: findCredentialFiles(rootfs),
  };
  // What a container runtime provides and git/ssh/OpenCode need: /proc and /dev (unmounted in afterAll).
  ok('mount', ['-t', 'proc', 'proc', join(rootfs, 'proc')]);
  ok('mount', ['--bind', '/dev', join(rootfs, 'dev')]);
  configEnv = new Map(
    (agent.config.config.Env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]),
  );
}, 30 * MIN);

afterAll(() => {
  for (const m of ['dev', 'proc']) if (rootfs && mountedUnder(rootfs, m)) sh('umount', [join(rootfs, m)]);
  if (existsSync(work) && !mountedUnder(work))
    spawnSync('rm', ['-rf', '--one-file-system', work], { timeout: 2 * MIN });
});

describe('the Dockerfile, as read by this test', () => {
  it('pins exact Node and OpenCode versions', () => {
    expect(nodeVersion).toMatch(/^22\.\d+\.\d+$/);
    expect(opencodeVersion).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe('tools/agent-image build output', () => {
  it('names the images as ref localhost/agentic-sdlc/…, with a 12-hex content tag for the agent', () => {
    expect(built.agent.ref).toMatch(/^localhost\/agentic-sdlc\/asdlc-agent:[0-9a-f]{12}$/);
    expect(built.pause.ref).toBe('localhost/agentic-sdlc/pause:3.10');
    for (const t of [built.agent.tar, built.pause.tar]) expect(t.startsWith('/') && existsSync(t)).toBe(true);
  });

  it('is an OCI image layout whose index names the reference (what ctr images import reads)', () => {
    expect(JSON.parse(readFileSync(join(agent.dir, 'oci-layout'), 'utf8')).imageLayoutVersion).toBe('1.0.0');
    expect(agent.index.manifests).toHaveLength(1);
    const ann = agent.index.manifests[0]!.annotations ?? {};
    expect(ann['io.containerd.image.name']).toBe(built.agent.ref);
    expect(ann['org.opencontainers.image.ref.name']).toBe(built.agent.ref.split(':').at(-1));
    expect(agent.config.os).toBe('linux');
    expect(agent.config.architecture).toBe('amd64');
    for (const l of agent.manifest.layers) expect(existsSync(blob(agent.dir, l.digest))).toBe(true);
  });

  it('a second build without changes is a cached no-op returning the same images', () => {
    const again = build();
    expect(again.json).toEqual(built);
    expect(again.seconds).toBeLessThan(30);
  });
});

describe('the built agent image agrees with docker/agent/Dockerfile', () => {
  it('Env: every ENV of the Dockerfile, plus only what node:<v>-bookworm-slim sets (PATH, NODE_VERSION)', () => {
    const want = new Map(pairs('ENV'));
    expect(want.size).toBeGreaterThan(5);
    for (const [k, v] of want) expect(configEnv.get(k), k).toBe(v);
    expect([...configEnv.keys()].filter((k) => !want.has(k)).sort()).toEqual(['NODE_VERSION', 'PATH']);
    expect(configEnv.get('NODE_VERSION')).toBe(nodeVersion);
    expect(configEnv.get('PATH')).toBe('/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
  });

  it('WorkingDir, User, Entrypoint, Cmd', () => {
    const c = agent.config.config;
    expect(c.WorkingDir).toBe(last('WORKDIR'));
    expect(c.User).toBe(last('USER'));
    expect(c.Entrypoint).toEqual(JSON.parse(last('ENTRYPOINT')));
    expect(c.Cmd).toEqual(JSON.parse(last('CMD')));
  });

  it('Labels, with the ARG defaults substituted', () => {
    const want = Object.fromEntries(pairs('LABEL'));
    expect(Object.keys(want).length).toBeGreaterThan(2);
    expect(want['org.opencontainers.image.description']).toContain(opencodeVersion);
    expect(agent.config.config.Labels ?? {}).toEqual(want);
  });

  it('has git, ssh, rg and tini', () => {
    for (const [bin, arg] of [
      ['git', '--version'],
      ['ssh', '-V'],
      ['rg', '--version'],
      ['tini', '--version'],
    ] as const) {
      const r = inImage([bin, arg]);
      expect(r.status, `${bin}: ${r.stderr}`).toBe(0);
    }
  });

  it(`node --version is the NODE_IMAGE version; npm works`, () => {
    expect(inImage(['node', '--version']).stdout.trim()).toBe(`v${nodeVersion}`);
    expect(inImage(['npm', '--version']).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(statSync(join(rootfs, 'usr/local/bin/node')).mode & 0o111).not.toBe(0);
  });

  it('OpenCode is the OPENCODE_VERSION ARG (package and `opencode --version`)', () => {
    const pkg = JSON.parse(
      readFileSync(join(rootfs, 'usr/local/lib/node_modules/opencode-ai/package.json'), 'utf8'),
    ) as { version: string };
    expect(pkg.version).toBe(opencodeVersion);
    const r = inImage(['opencode', '--version']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(opencodeVersion);
  });

  it('user agent is 10001:10001 with home /home/agent; /workspace belongs to it', () => {
    const passwd = readFileSync(join(rootfs, 'etc/passwd'), 'utf8').split('\n');
    const agentLine = passwd.find((l) => l.startsWith('agent:'))?.split(':');
    expect(agentLine?.slice(2, 6)).toEqual(['10001', '10001', '', '/home/agent']);
    expect(readFileSync(join(rootfs, 'etc/group'), 'utf8')).toMatch(/^agent:x:10001:/m);
    const ws = statSync(join(rootfs, 'workspace'));
    expect([ws.uid, ws.gid]).toEqual([10001, 10001]);
    const home = statSync(join(rootfs, 'home/agent'));
    expect([home.uid, home.gid]).toEqual([10001, 10001]);
  });

  it('asdlc-agent --help runs as uid 10001 (directly and through the image entrypoint + cmd)', () => {
    const direct = inImage(['asdlc-agent', '--help']);
    expect(direct.status, direct.stderr).toBe(0);
    expect(direct.stdout).toContain('asdlc-agent');
    const c = agent.config.config;
    const viaEntrypoint = inImage([...(c.Entrypoint ?? []), ...(c.Cmd ?? [])]);
    expect(viaEntrypoint.status, viaEntrypoint.stderr).toBe(0);
    expect(viaEntrypoint.stdout).toContain('asdlc-agent');
    expect(inImage(['id', '-u']).stdout.trim()).toBe('10001');
  });

  it('has no credentials: nothing under /home/agent/.config, no npm token, no git credentials, no keys', () => {
    expect(pristine.homeConfig).toEqual([]);
    const found = pristine.credentialFiles;
    for (const f of found) {
      expect(f).not.toMatch(/(\.git-credentials|id_rsa|id_ed25519)$/);
      const text = readFileSync(f, 'utf8');
      expect(text, f).not.toMatch(
        /_authToken|_auth\s*=|_password|:\/\/[^/\s:@]+:[^/\s@]+@|helper\s*=\s*store/i,
      );
    }
    // Nothing left over from the build: no host resolv.conf, no build-only CA directory.
    expect(existsSync(join(rootfs, 'etc/resolv.conf'))).toBe(false);
    expect(existsSync(join(rootfs, '.asdlc-build'))).toBe(false);
    expect(pristine.home.filter((f) => !/^\.(bashrc|profile|bash_logout)$/.test(f))).toEqual([]);
  });
});

describe('the pause image', () => {
  let pause: Layout;
  let pauseRoot: string;
  beforeAll(() => {
    pause = readLayout(built.pause.tar, mkdtempSync(join(work, 'pause-')));
    pauseRoot = mkdtempSync(join(work, 'pause-root-'));
    expect(pause.manifest.layers).toHaveLength(1);
    ok('tar', ['-C', pauseRoot, '-xzf', blob(pause.dir, pause.manifest.layers[0]!.digest)]);
  });

  it('is named localhost/agentic-sdlc/pause:3.10 and runs /pause as 65535', () => {
    expect(pause.index.manifests[0]!.annotations?.['io.containerd.image.name']).toBe(built.pause.ref);
    expect(pause.config.config.Entrypoint).toEqual(['/pause']);
    expect(pause.config.config.User).toBe('65535:65535');
  });

  it('contains a static binary', () => {
    expect(readdirSync(pauseRoot)).toEqual(['pause']);
    expect(isStaticElf(join(pauseRoot, 'pause'))).toBe(true);
    expect(isStaticElf(join(rootfs, 'usr/local/bin/node'))).toBe(false); // the check can fail
  });

  it('exits 0 on SIGTERM', async () => {
    const { spawn } = await import('node:child_process');
    const child = spawn(join(pauseRoot, 'pause'), [], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 300));
    expect(child.exitCode).toBeNull(); // still pausing
    const code = await new Promise<number | null>((r) => {
      child.on('exit', (c) => r(c));
      child.kill('SIGTERM');
    });
    expect(code).toBe(0);
  });
});
