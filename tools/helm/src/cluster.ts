import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { REPO_ROOT } from './paths.js';

/** The loopback control plane of tools/kube-local (`pnpm cluster:build` / `pnpm cluster:up`). */
export const KUBE_LOCAL_DIR = resolve(REPO_ROOT, 'tools/kube-local');
export const stateDir = (): string =>
  process.env.KUBE_LOCAL_STATE_DIR ?? resolve(REPO_ROOT, '.agentic-sdlc/kube');
export const kubeconfig = (): string => resolve(stateDir(), 'kubeconfig');

/** Directory of the kube-local binaries (kubectl…), or undefined when tools/kube-local is absent. */
export function kubeLocalBin(): string | undefined {
  const versions = resolve(KUBE_LOCAL_DIR, 'versions.sh');
  if (!existsSync(versions)) return undefined;
  return execFileSync('bash', ['-c', `. "${versions}"; printf %s "$KUBE_LOCAL_BIN"`], { encoding: 'utf8' });
}

export function kubeLocalBuilt(): boolean {
  const bin = kubeLocalBin();
  return (
    bin !== undefined && existsSync(resolve(bin, 'kubectl')) && existsSync(resolve(bin, 'kube-apiserver'))
  );
}

export interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], env: Record<string, string> = {}, input?: string): Run {
  const r = spawnSync(cmd, args, {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, KUBECONFIG: kubeconfig(), ...env },
    input,
    maxBuffer: 64 * 1024 * 1024,
    timeout: 300_000,
  });
  return { status: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? String(r.error ?? '') };
}

export function kubectl(args: string[], input?: string): Run {
  return run(resolve(kubeLocalBin() ?? '', 'kubectl'), args, {}, input);
}

export function clusterReady(): boolean {
  if (!existsSync(kubeconfig())) return false;
  const r = kubectl(['get', '--raw', '/readyz']);
  return r.status === 0 && r.stdout.trim() === 'ok';
}
