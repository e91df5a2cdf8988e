import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { HELM_TOOLS_DIR, KUBE_VERSION } from './paths.js';

export type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; [k: string]: unknown };
} & Record<string, unknown>;

let helmBin: string | undefined;

/** Path of the pinned helm (tools/helm/install.sh builds it once, then it is a no-op). */
export function helmPath(): string {
  helmBin ??=
    process.env.HELM_BIN ||
    execFileSync('bash', [resolve(HELM_TOOLS_DIR, 'install.sh')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }).trim();
  return helmBin;
}

export interface HelmResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Run helm; never throws on a non-zero exit. */
export function helm(args: string[], opts: { cwd?: string } = {}): HelmResult {
  try {
    const stdout = execFileSync(helmPath(), args, {
      encoding: 'utf8',
      cwd: opts.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024 * 1024,
    });
    return { status: 0, stdout, stderr: '' };
  } catch (e) {
    const err = e as { status?: number; stdout?: string; stderr?: string };
    return { status: err.status ?? 1, stdout: err.stdout ?? '', stderr: err.stderr ?? String(e) };
  }
}

/** Parse a multi-document YAML stream into objects (empty documents dropped). */
export function parseManifests(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map((d) => {
      if (d.errors.length > 0) throw new Error(`YAML error in rendered manifests: ${d.errors[0]?.message}`);
      return d.toJS() as unknown;
    })
    .filter((o): o is Manifest => o !== null && typeof o === 'object');
}

/** `helm template` a chart dir with extra values (objects written to temp files) and parse the result. */
export function template(
  chartDir: string,
  opts: { release: string; namespace: string; values?: unknown[]; set?: string[] },
): Manifest[] {
  const dir = mkdtempSync(join(tmpdir(), 'asdlc-helm-'));
  try {
    const args = [
      'template',
      opts.release,
      chartDir,
      '--namespace',
      opts.namespace,
      '--kube-version',
      KUBE_VERSION,
      '--include-crds',
    ];
    (opts.values ?? []).forEach((v, i) => {
      const file = join(dir, `values-${i}.json`);
      writeFileSync(file, JSON.stringify(v));
      args.push('--values', file);
    });
    for (const s of opts.set ?? []) args.push('--set', s);
    const res = helm(args);
    if (res.status !== 0) throw new Error(`helm ${args.join(' ')} failed:\n${res.stderr}`);
    return parseManifests(res.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
