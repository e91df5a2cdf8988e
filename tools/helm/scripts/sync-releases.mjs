#!/usr/bin/env node
// Keep releases/*/charts/agentic-sdlc-agent-runner-<version>.tgz (committed, so that the plain
// `helm upgrade --install … releases/<release>` works from a clean clone and in Argo CD) equal to
// charts/agentic-sdlc-agent-runner. Compares file contents (tgz timestamps differ on every package).
//   node tools/helm/scripts/sync-releases.mjs          # refresh the out-of-date ones (helm dependency update)
//   node tools/helm/scripts/sync-releases.mjs --check  # exit 1 when one is out of date
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');
const chartDir = join(root, 'charts/agentic-sdlc-agent-runner');
const envs = ['dev', 'stg', 'prod'];
const check = process.argv.includes('--check');
const helm =
  process.env.HELM_BIN || execFileSync('bash', [join(here, '../install.sh')], { encoding: 'utf8' }).trim();

function files(dir) {
  const out = new Map();
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p), readFileSync(p, 'utf8'));
    }
  };
  walk(dir);
  return out;
}

function extract(tgz, into) {
  execFileSync('tar', ['-m', '-xzf', tgz, '-C', into]);
  return files(join(into, 'agentic-sdlc-agent-runner'));
}

const tmp = mkdtempSync(join(tmpdir(), 'asdlc-sync-'));
let stale = 0;
try {
  execFileSync(helm, ['package', chartDir, '--destination', join(tmp, 'pkg')], { stdio: 'ignore' });
  const [pkg] = readdirSync(join(tmp, 'pkg'));
  const fresh = extract(join(tmp, 'pkg', pkg), mkdtempSync(join(tmp, 'fresh-')));
  for (const env of envs) {
    const release = join(root, 'releases', `agentic-sdlc-agent-runner-${env}`);
    const vendored = join(release, 'charts', pkg);
    let same = false;
    try {
      const have = extract(vendored, mkdtempSync(join(tmp, `${env}-`)));
      same = have.size === fresh.size && [...fresh].every(([k, v]) => have.get(k) === v);
    } catch {
      same = false;
    }
    if (same) {
      console.error(`ok: releases/agentic-sdlc-agent-runner-${env}/charts/${pkg} matches charts/`);
      continue;
    }
    stale++;
    if (check) {
      console.error(
        `stale: releases/agentic-sdlc-agent-runner-${env}/charts/${pkg} differs from charts/ (run: node tools/helm/scripts/sync-releases.mjs)`,
      );
    } else {
      execFileSync(helm, ['dependency', 'update', release], { stdio: ['ignore', 'ignore', 'inherit'] });
      console.error(`updated: releases/agentic-sdlc-agent-runner-${env}/charts/${pkg}`);
    }
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
if (check && stale > 0) process.exit(1);
