import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { findLiteralCredentials } from '@agentic-sdlc/secrets-config';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { Manifest } from '../src/helm.js';
import { ENVS, namespaceOf, REPO_ROOT, releaseName } from '../src/paths.js';
import { SchemaRegistry } from '../src/schemas.js';

const PLACEHOLDER_REPO = 'https://github.com/your-org/agentic-sdlc-runner.git';
const argoDir = resolve(REPO_ROOT, 'argocd');
const files = [
  resolve(argoDir, 'project.yaml'),
  ...readdirSync(resolve(argoDir, 'applications')).map((f) => resolve(argoDir, 'applications', f)),
];
const manifests: Manifest[] = files.flatMap((f) =>
  parseAllDocuments(readFileSync(f, 'utf8')).map((d) => d.toJS() as Manifest),
);
const apps = manifests.filter((m) => m.kind === 'Application');
const app = (env: string) => apps.find((a) => a.metadata.name === releaseName(env as never))!;
type AppSpec = {
  project: string;
  source: { repoURL: string; path: string; targetRevision: string; helm: { releaseName: string } };
  destination: { namespace: string; server: string };
  syncPolicy: { automated: { prune: boolean; selfHeal: boolean }; syncOptions: string[] };
  ignoreDifferences: { group: string; kind: string }[];
};

let schemas: SchemaRegistry;
beforeAll(() => {
  schemas = SchemaRegistry.load();
});

describe('argocd/', () => {
  it('validates against the Argo CD CRD schemas', () => {
    expect(manifests.map((m) => m.kind).sort()).toEqual([
      'AppProject',
      'Application',
      'Application',
      'Application',
    ]);
    for (const m of manifests) expect(schemas.validate(m), `${m.kind}/${m.metadata.name}`).toEqual([]);
  });

  it('contains no credential and only the placeholder repoURL (replace it, see argocd/README.md)', () => {
    expect(findLiteralCredentials(manifests)).toEqual([]);
    const project = manifests.find((m) => m.kind === 'AppProject')!;
    expect((project.spec as { sourceRepos: string[] }).sourceRepos).toEqual([PLACEHOLDER_REPO]);
    for (const a of apps) expect((a.spec as AppSpec).source.repoURL).toBe(PLACEHOLDER_REPO);
  });

  it.each(ENVS)('%s: points at releases/, the release name and namespace, in the project', (env) => {
    const spec = app(env).spec as AppSpec;
    expect(spec.project).toBe('agentic-sdlc-runner');
    expect(spec.source.path).toBe(`releases/${releaseName(env)}`);
    expect(existsSync(resolve(REPO_ROOT, spec.source.path, 'Chart.yaml'))).toBe(true);
    expect(spec.source.helm.releaseName).toBe(releaseName(env));
    expect(spec.destination.namespace).toBe(namespaceOf(env));
    expect(spec.syncPolicy.syncOptions).toContain('CreateNamespace=true');
    expect(spec.ignoreDifferences.map((d) => `${d.group}/${d.kind}`)).toContain(
      'external-secrets.io/ExternalSecret',
    );
    const project = manifests.find((m) => m.kind === 'AppProject')!;
    expect(
      (project.spec as { destinations: { namespace: string }[] }).destinations.map((d) => d.namespace),
    ).toContain(namespaceOf(env));
  });

  it('automated sync everywhere; prune in dev and stg, never in prod', () => {
    expect((app('dev').spec as AppSpec).syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
    expect((app('stg').spec as AppSpec).syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
    expect((app('prod').spec as AppSpec).syncPolicy.automated).toEqual({ prune: false, selfHeal: true });
  });
});
