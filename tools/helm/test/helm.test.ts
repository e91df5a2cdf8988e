import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { helm, helmPath } from '../src/helm.js';
import { CHART_DIR, ENVS, HELM_TOOLS_DIR, KUBE_VERSION, releaseDir } from '../src/paths.js';

const HELM_VERSION = 'v3.19.5';
const ciValues = readdirSync(resolve(CHART_DIR, 'ci')).filter((f) => f.endsWith('-values.yaml'));

describe('tools/helm/install.sh', () => {
  it(`builds the pinned helm ${HELM_VERSION} into the cache and a second run is a no-op`, () => {
    const first = helmPath();
    expect(first).toMatch(new RegExp(`agentic-sdlc/helm-${HELM_VERSION}/bin/helm$`));
    const t0 = Date.now();
    const second = execFileSync('bash', [resolve(HELM_TOOLS_DIR, 'install.sh')], { encoding: 'utf8' }).trim();
    expect(second).toBe(first);
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(helm(['version', '--template', '{{.Version}}']).stdout).toBe(HELM_VERSION);
  });
});

describe('helm lint --strict', () => {
  it('passes on the chart', () => {
    const r = helm(['lint', '--strict', '--kube-version', KUBE_VERSION, CHART_DIR]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it.each(ciValues)('passes on the chart with ci/%s', (file) => {
    const r = helm([
      'lint',
      '--strict',
      '--kube-version',
      KUBE_VERSION,
      CHART_DIR,
      '--values',
      resolve(CHART_DIR, 'ci', file),
    ]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it.each(ENVS)('passes on releases/agentic-sdlc-agent-runner-%s', (env) => {
    const r = helm(['lint', '--strict', '--kube-version', KUBE_VERSION, releaseDir(env)]);
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it('fails when values break the generated schema', () => {
    const r = helm(['lint', '--strict', CHART_DIR, '--set', 'profile.gitAuth.mode=password']);
    expect(r.status).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/gitAuth\/mode/);
  });
});
