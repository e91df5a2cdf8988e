import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const HELM_TOOLS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_ROOT = resolve(HELM_TOOLS_DIR, '../..');
export const CHART_NAME = 'agentic-sdlc-agent-runner';
export const CHART_DIR = resolve(REPO_ROOT, 'charts', CHART_NAME);
export const ENVS = ['dev', 'stg', 'prod'] as const;
export type Env = (typeof ENVS)[number];
export const releaseName = (env: Env): string => `${CHART_NAME}-${env}`;
export const releaseDir = (env: Env): string => resolve(REPO_ROOT, 'releases', releaseName(env));
export const namespaceOf = (env: Env): string => `agent-runner-${env}`;
/** Kubernetes minor the manifests are validated against (and the helm build's client-go minor). */
export const KUBE_VERSION = '1.34.0';
