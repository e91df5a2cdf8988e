import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { parseAllDocuments } from 'yaml';

/**
 * Schema sources: Go modules from the module proxy (cached in GOMODCACHE), read at test time.
 * Nothing is vendored. Bump here, and in tools/helm/README.md.
 */
export const SCHEMA_SOURCES = {
  kubernetes: { module: 'k8s.io/kubernetes', version: 'v1.34.4', path: 'api/openapi-spec/v3' },
  externalSecrets: {
    module: 'github.com/external-secrets/external-secrets',
    version: 'v1.3.2',
    path: 'config/crds/bases',
    files: [
      'external-secrets.io_externalsecrets.yaml',
      'external-secrets.io_secretstores.yaml',
      'external-secrets.io_clustersecretstores.yaml',
    ],
  },
  argoCd: {
    module: 'github.com/argoproj/argo-cd/v3',
    version: 'v3.5.7',
    path: 'manifests/crds',
    files: ['application-crd.yaml', 'applicationset-crd.yaml', 'appproject-crd.yaml'],
  },
} as const;

function goBin(): string {
  for (const candidate of [process.env.GO, 'go', '/usr/local/go/bin/go']) {
    if (!candidate) continue;
    try {
      execFileSync(candidate, ['version'], { stdio: 'ignore' });
      return candidate;
    } catch {}
  }
  throw new Error('go toolchain not found: needed to fetch schema modules (set GO=/path/to/go)');
}

/** `go mod download` a module (no-op when cached) and return its directory. */
export function moduleDir(module: string, version: string): string {
  const out = execFileSync(goBin(), ['mod', 'download', '-json', `${module}@${version}`], {
    encoding: 'utf8',
    cwd: tmpdir(), // outside any go.mod
    env: { ...process.env, GOFLAGS: '-mod=mod' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const info = JSON.parse(out) as { Dir?: string; Error?: string };
  if (!info.Dir) throw new Error(`go mod download ${module}@${version}: ${info.Error ?? 'no Dir'}`);
  return info.Dir;
}

type Json = Record<string, unknown>;
const K8S_ID = 'https://schemas.agentic-sdlc.local/k8s.json';
const OBJECT_META = `${K8S_ID}#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta`;

/** kubeconform-style strictness: objects with declared properties reject unknown fields. */
function strictify(node: unknown, rewriteRef?: (ref: string) => string): void {
  if (Array.isArray(node)) {
    for (const n of node) strictify(n, rewriteRef);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const o = node as Json;
  if (typeof o.$ref === 'string' && rewriteRef) o.$ref = rewriteRef(o.$ref);
  if (
    o.properties &&
    typeof o.properties === 'object' &&
    o.additionalProperties === undefined &&
    o['x-kubernetes-preserve-unknown-fields'] !== true
  ) {
    o.additionalProperties = false;
  }
  for (const [k, v] of Object.entries(o)) {
    if (k === 'enum' || k === 'default' || k === 'example') continue;
    strictify(v, rewriteRef);
  }
}

export interface ValidationFailure {
  kind: string;
  name: string;
  errors: string[];
}

export class SchemaRegistry {
  private readonly ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  private readonly refs = new Map<string, string>(); // "group/version/Kind" -> $ref
  private readonly compiled = new Map<string, ValidateFunction>();
  readonly sources: string[] = [];

  static load(): SchemaRegistry {
    const r = new SchemaRegistry();
    r.loadKubernetes();
    r.loadCrds(SCHEMA_SOURCES.externalSecrets);
    r.loadCrds(SCHEMA_SOURCES.argoCd);
    return r;
  }

  private loadKubernetes(): void {
    const src = SCHEMA_SOURCES.kubernetes;
    const dir = join(moduleDir(src.module, src.version), src.path);
    const definitions: Json = {};
    for (const file of readdirSync(dir).filter((f) => f.endsWith('_openapi.json'))) {
      const doc = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { components?: { schemas?: Json } };
      Object.assign(definitions, doc.components?.schemas ?? {});
    }
    for (const def of Object.values(definitions)) {
      strictify(def, (ref) => ref.replace('#/components/schemas/', '#/definitions/'));
    }
    for (const [name, def] of Object.entries(definitions)) {
      const gvks = (def as Json)['x-kubernetes-group-version-kind'] as
        | { group: string; version: string; kind: string }[]
        | undefined;
      for (const g of gvks ?? [])
        this.refs.set(`${g.group}/${g.version}/${g.kind}`, `${K8S_ID}#/definitions/${name}`);
    }
    this.ajv.addSchema({ $id: K8S_ID, definitions });
    this.sources.push(`${src.module}@${src.version}/${src.path}`);
  }

  private loadCrds(src: { module: string; version: string; path: string; files: readonly string[] }): void {
    const dir = join(moduleDir(src.module, src.version), src.path);
    for (const file of src.files) {
      for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
        const crd = doc.toJS() as Json | null;
        if (crd?.kind !== 'CustomResourceDefinition') continue;
        const spec = crd.spec as { group: string; names: { kind: string }; versions: Json[] };
        for (const v of spec.versions) {
          const schema = structuredClone((v.schema as Json | undefined)?.openAPIV3Schema as Json | undefined);
          if (!schema || v.served === false) continue;
          schema.properties ??= {};
          (schema.properties as Json).metadata = { $ref: OBJECT_META };
          strictify(schema);
          const id = `https://schemas.agentic-sdlc.local/crd/${spec.group}/${v.name}/${spec.names.kind}.json`;
          this.ajv.addSchema({ ...schema, $id: id });
          this.refs.set(`${spec.group}/${v.name}/${spec.names.kind}`, id);
        }
      }
      this.sources.push(`${src.module}@${src.version}/${src.path}/${file}`);
    }
  }

  has(apiVersion: string, kind: string): boolean {
    return this.refs.has(gvkKey(apiVersion, kind));
  }

  /** Validate one object; returns error strings (empty = valid). Unknown kinds are an error. */
  validate(obj: { apiVersion?: unknown; kind?: unknown; [k: string]: unknown }): string[] {
    const key = gvkKey(String(obj.apiVersion), String(obj.kind));
    const ref = this.refs.get(key);
    if (!ref)
      return [`no schema for ${key} (apiVersion ${String(obj.apiVersion)}, kind ${String(obj.kind)})`];
    let fn = this.compiled.get(key);
    if (!fn) {
      fn = this.ajv.compile({ $ref: ref });
      this.compiled.set(key, fn);
    }
    if (fn(obj)) return [];
    return (fn.errors ?? []).map(formatError);
  }
}

function gvkKey(apiVersion: string, kind: string): string {
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/', 2) : ['', apiVersion];
  return `${group}/${version}/${kind}`;
}

function formatError(e: ErrorObject): string {
  const extra =
    e.keyword === 'additionalProperties'
      ? ` (${(e.params as { additionalProperty: string }).additionalProperty})`
      : '';
  return `${e.instancePath || '/'} ${e.message ?? e.keyword}${extra}`;
}
