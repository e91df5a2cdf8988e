import { createHash } from 'node:crypto';

export const LABEL_NAME = 'app.kubernetes.io/name';
export const LABEL_COMPONENT = 'app.kubernetes.io/component';
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
export const LABEL_RUN = 'agentic-sdlc.dev/run';
export const LABEL_TASK = 'agentic-sdlc.dev/task';
export const LABEL_FEATURE = 'agentic-sdlc.dev/feature';
export const ANNOTATION_TITLE = 'agentic-sdlc.dev/task-title';
export const ANNOTATION_BRANCH = 'agentic-sdlc.dev/branch';
export const ANNOTATION_BASE_BRANCH = 'agentic-sdlc.dev/base-branch';
export const ANNOTATION_REPO = 'agentic-sdlc.dev/repo';
export const ANNOTATION_RUN_ID = 'agentic-sdlc.dev/run-id';
export const ANNOTATION_TASK_ID = 'agentic-sdlc.dev/task-id';
export const APP_NAME = 'agentic-sdlc-agent-runner';
export const MANAGED_BY = 'asdlc';
export const AGENT_CONTAINER = 'agent';

function shortHash(input: string, length = 8): string {
  return createHash('sha256').update(input).digest('hex').slice(0, length);
}

/**
 * A label value for any string: `[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?`, at most 63 characters.
 * Values that had to change get a hash suffix of the original, so two inputs never map to one value.
 */
export function sanitizeLabelValue(value: string): string {
  if (value === '') return '';
  const valid = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
  if (value.length <= 63 && valid.test(value)) return value;
  const hash = shortHash(value);
  const cleaned = value
    .replace(/[^-A-Za-z0-9_.]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 63 - hash.length - 1)
    .replace(/[^A-Za-z0-9]+$/, '');
  return cleaned === '' ? hash : `${cleaned}-${hash}`;
}

/** A DNS-1123 label fragment: lower-case alphanumerics and `-`. */
function dnsFragment(value: string): string {
  return value
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/**
 * The Job name of a task: `asdlc-<run>-<task>`, DNS-1123, at most 63 characters. Deterministic: the same
 * run id and task id always give the same name. Names that had to be cut or changed end in a hash of
 * `runId/taskId`, so distinct tasks never collide.
 */
export function taskJobName(runId: string, taskId: string): string {
  const plain = `asdlc-${dnsFragment(runId)}-${dnsFragment(taskId)}`.replace(/-+/g, '-');
  const exact = `asdlc-${runId}-${taskId}`;
  if (plain.length <= 63 && plain === exact.toLowerCase()) return plain;
  const hash = shortHash(`${runId}/${taskId}`);
  const task = dnsFragment(taskId).slice(0, 20);
  const room = 63 - 'asdlc-'.length - hash.length - 1 - (task ? task.length + 1 : 0);
  const run = dnsFragment(runId).slice(0, Math.max(0, room)).replace(/-+$/, '');
  return ['asdlc', run, task, hash].filter((p) => p !== '').join('-');
}

/** The label selector of one run (optionally one task). */
export function runSelector(runId: string, taskId?: string): string {
  const parts = [`${LABEL_RUN}=${sanitizeLabelValue(runId)}`];
  if (taskId !== undefined) parts.push(`${LABEL_TASK}=${sanitizeLabelValue(taskId)}`);
  return parts.join(',');
}

/** The selector of every Job of this tool. */
export const MANAGED_SELECTOR = `${LABEL_MANAGED_BY}=${MANAGED_BY},${LABEL_COMPONENT}=agent`;

/** `namespaceForEnv('dev') → 'agent-runner-dev'`. */
export function namespaceForEnv(env: string): string {
  return `agent-runner-${env}`;
}

/** `envForNamespace('agent-runner-dev') → 'dev'`; undefined for other names. */
export function envForNamespace(namespace: string): string | undefined {
  const m = /^agent-runner-([a-z0-9][-a-z0-9]*)$/.exec(namespace);
  return m?.[1];
}
