import type { SecretRef } from '@agentic-sdlc/secrets-config';
import { agentExtraEnv, parseDuration } from '@agentic-sdlc/secrets-config';
import type {
  V1EnvVar,
  V1Job,
  V1ResourceRequirements,
  V1Volume,
  V1VolumeMount,
} from '@kubernetes/client-node';
import { InvalidInputError } from './_errors.js';
import {
  AGENT_CONTAINER,
  ANNOTATION_BASE_BRANCH,
  ANNOTATION_BRANCH,
  ANNOTATION_REPO,
  ANNOTATION_RUN_ID,
  ANNOTATION_TASK_ID,
  ANNOTATION_TITLE,
  APP_NAME,
  LABEL_COMPONENT,
  LABEL_FEATURE,
  LABEL_MANAGED_BY,
  LABEL_NAME,
  LABEL_RUN,
  LABEL_TASK,
  MANAGED_BY,
  sanitizeLabelValue,
  taskJobName,
} from './_names.js';
import type { BuildTaskJobInput } from './types.js';

/** UID/GID of the agent container (non-root, matches the agent image). */
export const AGENT_UID = 10001;
export const DEFAULT_STARTUP_ALLOWANCE_SECONDS = 600;
export const HOME_DIR = '/home/agent';
export const WORKSPACE_DIR = '/workspace';
export const SSH_DIR = '/etc/asdlc/ssh';
export const TERMINATION_MESSAGE_PATH = '/dev/termination-log';
const TITLE_MAX = 1024;

function nonEmpty(name: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InvalidInputError(
      `buildTaskJob: ${name} must be a non-empty string; received ${JSON.stringify(value)}`,
    );
  }
  return value;
}

function quantities(map: Record<string, string | number> | undefined): Record<string, string> | undefined {
  if (!map) return undefined;
  const out: Record<string, string> = {};
  for (const key of Object.keys(map).sort()) out[key] = String(map[key]);
  return out;
}

function secretEnv(secretName: string, ref: SecretRef): V1EnvVar {
  return { name: ref.env, valueFrom: { secretKeyRef: { name: secretName, key: ref.key } } };
}

/**
 * Build the batch/v1 Job of one task. Pure: the same input always gives the same manifest.
 * Credentials are only referenced (secretKeyRef, Secret volume), never inlined.
 */
export function buildTaskJob(input: BuildTaskJobInput): V1Job {
  const { profile } = input;
  const namespace = nonEmpty('namespace', input.namespace);
  const runId = nonEmpty('runId', input.runId);
  const taskId = nonEmpty('task.id', input.task?.id);
  const repoUrl = nonEmpty('repoUrl', input.repoUrl);
  const baseBranch = nonEmpty('baseBranch', input.baseBranch);
  const tasksFile = nonEmpty('tasksFile', input.tasksFile);
  const branch = nonEmpty('branch', input.branch);
  const feature = input.feature ?? '';
  const title = (input.task.title ?? '').slice(0, TITLE_MAX);
  const image = input.image ?? profile.image;

  const timeoutSeconds = input.taskTimeoutSeconds ?? Math.ceil(parseDuration(profile.taskTimeout) / 1000);
  const allowance = input.startupAllowanceSeconds ?? DEFAULT_STARTUP_ALLOWANCE_SECONDS;
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds <= 0) {
    throw new InvalidInputError(
      `buildTaskJob: taskTimeoutSeconds must be a positive integer; received ${timeoutSeconds}`,
    );
  }
  if (!Number.isInteger(allowance) || allowance < 0) {
    throw new InvalidInputError(
      `buildTaskJob: startupAllowanceSeconds must be an integer >= 0; received ${allowance}`,
    );
  }

  const name = taskJobName(runId, taskId);
  const ownLabels: Record<string, string> = {
    [LABEL_NAME]: APP_NAME,
    [LABEL_COMPONENT]: 'agent',
    [LABEL_MANAGED_BY]: MANAGED_BY,
    [LABEL_RUN]: sanitizeLabelValue(runId),
    [LABEL_TASK]: sanitizeLabelValue(taskId),
    ...(feature ? { [LABEL_FEATURE]: sanitizeLabelValue(feature) } : {}),
  };
  const annotations: Record<string, string> = {
    [ANNOTATION_TITLE]: title,
    [ANNOTATION_RUN_ID]: runId,
    [ANNOTATION_TASK_ID]: taskId,
    [ANNOTATION_BRANCH]: branch,
    [ANNOTATION_BASE_BRANCH]: baseBranch,
    [ANNOTATION_REPO]: repoUrl,
  };
  const podLabels = { ...profile.podLabels, ...input.podLabels, ...ownLabels };
  const podAnnotations = { ...profile.podAnnotations, ...input.podAnnotations, ...annotations };

  const s = profile.secrets;
  const env: V1EnvVar[] = [
    { name: 'HOME', value: HOME_DIR },
    { name: 'TMPDIR', value: '/tmp' },
    { name: 'ASDLC_RUN_ID', value: runId },
    { name: 'ASDLC_TASK_ID', value: taskId },
    { name: 'ASDLC_FEATURE', value: feature },
    { name: 'ASDLC_MODEL', value: profile.model },
    { name: 'ASDLC_WORK_DIR', value: WORKSPACE_DIR },
    { name: 'ASDLC_TERMINATION_LOG', value: TERMINATION_MESSAGE_PATH },
    { name: 'ASDLC_GIT_AUTHOR_NAME', value: profile.gitAuthor.name },
    { name: 'ASDLC_GIT_AUTHOR_EMAIL', value: profile.gitAuthor.email },
    { name: 'ASDLC_GIT_AUTH_MODE', value: profile.gitAuth.mode },
  ];
  // The profile's plain env: OPENCODE_CONFIG_CONTENT (opencodeConfig as stable JSON), then `env` by name.
  try {
    env.push(...agentExtraEnv(profile));
  } catch (cause) {
    throw new InvalidInputError(`buildTaskJob: ${(cause as Error).message}`, { cause });
  }
  const volumes: V1Volume[] = [
    { name: 'home', emptyDir: {} },
    { name: 'tmp', emptyDir: {} },
    { name: 'workspace', emptyDir: {} },
  ];
  const mounts: V1VolumeMount[] = [
    { name: 'home', mountPath: HOME_DIR },
    { name: 'tmp', mountPath: '/tmp' },
    { name: 'workspace', mountPath: WORKSPACE_DIR },
  ];

  if (profile.gitAuth.mode === 'token') {
    if (!s.gitToken)
      throw new InvalidInputError('buildTaskJob: gitAuth.mode is "token" but secrets.gitToken is not set');
    env.push(secretEnv(profile.secretName, s.gitToken));
    env.push({ name: 'ASDLC_GIT_TOKEN_ENV', value: s.gitToken.env });
  } else if (profile.gitAuth.mode === 'ssh') {
    if (!s.sshPrivateKey || !s.sshKnownHosts) {
      throw new InvalidInputError(
        'buildTaskJob: gitAuth.mode is "ssh" but secrets.sshPrivateKey or secrets.sshKnownHosts is not set',
      );
    }
    // The key is a file, never an env var. 0400 + fsGroup: readable by the agent's group only.
    volumes.push({
      name: 'git-ssh',
      secret: {
        secretName: profile.secretName,
        defaultMode: 0o400,
        items: [
          { key: s.sshPrivateKey.key, path: 'id_key' },
          { key: s.sshKnownHosts.key, path: 'known_hosts' },
        ],
      },
    });
    mounts.push({ name: 'git-ssh', mountPath: SSH_DIR, readOnly: true });
    env.push({
      name: 'GIT_SSH_COMMAND',
      value: `ssh -i ${SSH_DIR}/id_key -o IdentitiesOnly=yes -o UserKnownHostsFile=${SSH_DIR}/known_hosts -o StrictHostKeyChecking=yes`,
    });
  }
  for (const ref of s.modelApiKeys) env.push(secretEnv(profile.secretName, ref));

  const resources: V1ResourceRequirements = {};
  const requests = quantities(profile.resources.requests);
  const limits = quantities(profile.resources.limits);
  if (limits) resources.limits = limits;
  if (requests) resources.requests = requests;

  const command = input.command ?? ['asdlc-agent'];
  const args = [
    'run-task',
    '--repo',
    repoUrl,
    '--task',
    taskId,
    '--tasks-file',
    tasksFile,
    '--base',
    baseBranch,
    '--run',
    runId,
    '--timeout',
    `${timeoutSeconds}s`,
    '--model',
    profile.model,
    '--branch-template',
    profile.branchTemplate,
  ];

  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace, labels: ownLabels, annotations },
    spec: {
      activeDeadlineSeconds: timeoutSeconds + allowance,
      backoffLimit: profile.backoffLimit ?? 1,
      podFailurePolicy: {
        rules: [
          // Infrastructure disruptions (eviction, preemption, node drain): retry, not counted.
          { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
          // The agent's own failure: fail the Job at once (the runner already reported why).
          {
            action: 'FailJob',
            onExitCodes: { containerName: AGENT_CONTAINER, operator: 'NotIn', values: [0] },
          },
        ],
      },
      ...(profile.cleanup.policy === 'delete'
        ? { ttlSecondsAfterFinished: profile.cleanup.ttlSecondsAfterFinished }
        : {}),
      template: {
        metadata: { labels: podLabels, annotations: podAnnotations },
        spec: {
          restartPolicy: 'Never',
          serviceAccountName: profile.serviceAccountName,
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: AGENT_UID,
            runAsGroup: AGENT_UID,
            fsGroup: AGENT_UID,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: AGENT_CONTAINER,
              image,
              imagePullPolicy: profile.imagePullPolicy,
              command,
              args,
              workingDir: WORKSPACE_DIR,
              env,
              resources,
              volumeMounts: mounts,
              terminationMessagePath: TERMINATION_MESSAGE_PATH,
              terminationMessagePolicy: 'FallbackToLogsOnError',
              securityContext: {
                runAsNonRoot: true,
                runAsUser: AGENT_UID,
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
                seccompProfile: { type: 'RuntimeDefault' },
              },
            },
          ],
          volumes,
        },
      },
    },
  };
}
