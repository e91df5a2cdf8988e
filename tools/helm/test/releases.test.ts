import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseRunnerProfile, type RunnerProfile } from '@agentic-sdlc/secrets-config';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { helmPath, type Manifest, template } from '../src/helm.js';
import {
  CHART_DIR,
  ENVS,
  type Env,
  HELM_TOOLS_DIR,
  namespaceOf,
  releaseDir,
  releaseName,
} from '../src/paths.js';
import { byKind } from '../src/render.js';

const chart = parse(readFileSync(resolve(CHART_DIR, 'Chart.yaml'), 'utf8')) as Record<string, unknown>;
const rendered = new Map<Env, Manifest[]>();
const profiles = new Map<Env, RunnerProfile>();

beforeAll(() => {
  for (const env of ENVS) {
    const ms = template(releaseDir(env), { release: releaseName(env), namespace: namespaceOf(env) });
    rendered.set(env, ms);
    const cm = byKind(ms, 'ConfigMap')[0]!;
    profiles.set(env, parseRunnerProfile((cm.data as Record<string, string>)['profile.yaml']));
  }
});

describe('releases/', () => {
  it.each(ENVS)(
    '%s depends on file://../../charts/agentic-sdlc-agent-runner at the chart version, with Chart.lock',
    (env) => {
      const c = parse(readFileSync(resolve(releaseDir(env), 'Chart.yaml'), 'utf8')) as {
        dependencies: { name: string; version: string; repository: string }[];
        kubeVersion: string;
      };
      expect(c.dependencies).toEqual([
        {
          name: 'agentic-sdlc-agent-runner',
          version: chart.version,
          repository: 'file://../../charts/agentic-sdlc-agent-runner',
        },
      ]);
      expect(c.kubeVersion).toBe(chart.kubeVersion);
      expect(existsSync(resolve(releaseDir(env), 'Chart.lock'))).toBe(true);
      expect(
        existsSync(resolve(releaseDir(env), `charts/agentic-sdlc-agent-runner-${chart.version}.tgz`)),
      ).toBe(true);
    },
  );

  it('the committed dependency tgz of every release equals charts/ (else: node tools/helm/scripts/sync-releases.mjs)', () => {
    const out = execFileSync('node', [resolve(HELM_TOOLS_DIR, 'scripts/sync-releases.mjs'), '--check'], {
      encoding: 'utf8',
      env: { ...process.env, HELM_BIN: helmPath() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(out).toBe('');
  });

  it.each(ENVS)('%s renders into namespace agent-runner-%s with names derived from the release', (env) => {
    for (const m of rendered.get(env)!) {
      expect(m.metadata.namespace, `${m.kind}/${m.metadata.name}`).toBe(namespaceOf(env));
      if (m.kind !== 'ConfigMap') expect(m.metadata.name.startsWith(releaseName(env))).toBe(true);
    }
  });

  it('prod: cleanup on, tighter resources, NetworkPolicy on, lower parallelism than dev', () => {
    const dev = profiles.get('dev')!;
    const prod = profiles.get('prod')!;
    expect(prod.cleanup.policy).toBe('delete');
    expect(prod.parallelism).toBeLessThan(dev.parallelism);
    expect(prod.parallelism).toBeLessThan(profiles.get('stg')!.parallelism);
    const mem = (q: string | number | undefined) =>
      Number(String(q).replace(/Gi$/, '')) * 1024 || Number(String(q).replace(/Mi$/, ''));
    expect(mem(prod.resources.limits?.memory)).toBeLessThan(mem(dev.resources.limits?.memory));
    expect(mem(prod.resources.requests?.memory)).toBeLessThan(mem(dev.resources.requests?.memory));
    expect(prod.resources.limits?.cpu).toBeDefined();
    expect(byKind(rendered.get('prod')!, 'NetworkPolicy')).toHaveLength(1);
    expect(byKind(rendered.get('dev')!, 'NetworkPolicy')).toHaveLength(0);
    expect(dev.cleanup.policy).toBe('keep');
  });

  it('every release binds the launcher Role to someone', () => {
    for (const env of ENVS) {
      const b = byKind(rendered.get(env)!, 'RoleBinding').find((r) => r.metadata.name.endsWith('-launcher'));
      expect((b?.subjects as unknown[] | undefined)?.length, env).toBeGreaterThan(0);
    }
  });
});
