// The end-to-end fixture: the bundled greeter feature (spec-kit layout) as a git repository on a loopback
// git server that pods reach, the dev release installed with the locally built agent image and the scripted
// model, and the git token in a Kubernetes Secret (standing in for the one ESO would sync).
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBareRepo, type GitServer, startGitServer } from '@agentic-sdlc/git-server';
import { clusterInfo, kubeconfigPath, loadKubeConfig, waitFor } from '@agentic-sdlc/kube-local/testing';
import { opencodeConfigFor, type ScriptedModel, startScriptedModel } from '@agentic-sdlc/scripted-model';
import * as k8s from '@kubernetes/client-node';
import { kubeLocalBin } from '../../helm/src/cluster.js';
import { REPO_ROOT } from './global-setup.js';

export const NAMESPACE = 'agent-runner-dev';
export const RELEASE = 'agentic-sdlc-agent-runner-dev';
export const FEATURE = '001-greeter';
export const TASKS_FILE = `specs/${FEATURE}/tasks.md`;
export const CLI_BIN = join(REPO_ROOT, 'apps/cli/dist/bin.js');
const DEMO = join(REPO_ROOT, 'examples/demo');

/**
 * [ASYNC] tasks T002, T005, T006 (the flow; T006's model answers HTTP 500: it fails on purpose), T007 (the
 * timeouts; its model never answers) and one [SYNC] task.
 */
export const TASKS_MD = `# Tasks: Greeter

**Input**: Design documents from \`/specs/${FEATURE}/\`

## Format: \`[ID] [P?] [SYNC|ASYNC] [Story] Description\`

## Phase 1: Setup

- [X] T001 Create package.json and src/index.js

## Phase 2: User Stories 1 and 2 (Priority: P1)

- [ ] T002 [P] [ASYNC] [US1] Implement greet(name) in src/greet.js
- [ ] T005 [P] [ASYNC] [US2] Implement farewell(name) in src/farewell.js
- [ ] T006 [P] [ASYNC] [US2] Document greet and farewell in docs/usage.md
- [ ] T007 [P] [ASYNC] [US1] Explain the greeting in docs/why.md
- [ ] T004 [SYNC] [US1] Review the greeting wording with the product owner
`;

export const GIT_ENV = {
  GIT_AUTHOR_NAME: 'E2E',
  GIT_AUTHOR_EMAIL: 'e2e@example.invalid',
  GIT_COMMITTER_NAME: 'E2E',
  GIT_COMMITTER_EMAIL: 'e2e@example.invalid',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_TERMINAL_PROMPT: '0',
};

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...GIT_ENV },
    timeout: 60_000,
  }).trim();
}

/** `asdlc run` of the fixture's tasks.md with the k8s executor on the dev environment, NDJSON output. */
export function k8sRunArgs(...extra: string[]): string[] {
  return [
    CLI_BIN,
    'run',
    TASKS_FILE,
    '--executor',
    'k8s',
    '--env',
    'dev',
    '--json',
    '--no-mark-done',
    ...extra,
  ];
}

export type OutputRecord = Record<string, unknown>;

/** The NDJSON records of `asdlc … --json` output. */
export function records(stdout: string): OutputRecord[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as OutputRecord);
}

/** The run summary's tasks by id; throws, with the output's tail, when there is no summary. */
export function summaryOf(out: { stdout: string; stderr: string }): Record<string, OutputRecord> {
  const summary = records(out.stdout).find((r) => r.type === 'summary') as
    | { tasks: OutputRecord[] }
    | undefined;
  if (!summary) throw new Error(`no summary\nstderr:\n${out.stderr}\nstdout:\n${out.stdout.slice(-4000)}`);
  return Object.fromEntries(summary.tasks.map((t) => [String(t.id), t]));
}

export interface Fixture {
  root: string;
  /** The developer's checkout (origin = the git server, credentials from E2E_GIT_TOKEN). */
  repo: string;
  bareDir: string;
  /** The git server's root (repository `greeter`). */
  gitRoot: string;
  token: string;
  model: ScriptedModel;
  gitServer: GitServer;
  /** Env for the CLI: the developer's kubeconfig, and the git credential its credential helper reads. */
  cliEnv: Record<string, string>;
  kc: k8s.KubeConfig;
  close(): Promise<void>;
}

function helmBin(): string {
  return execFileSync('bash', [join(REPO_ROOT, 'tools/helm/install.sh')], { encoding: 'utf8' }).trim();
}

/** The kubectl built with the loopback cluster (tools/kube-local); resolved once. */
let kubectlPath: string | undefined;
function kubectlBin(): string {
  kubectlPath ??= join(kubeLocalBin() ?? '', 'kubectl');
  return kubectlPath;
}

export function kubectl(...args: string[]): string {
  return execFileSync(kubectlBin(), ['--kubeconfig', kubeconfigPath(), ...args], {
    encoding: 'utf8',
    timeout: 120_000,
  });
}

/** ESO's CRDs (the chart renders an ExternalSecret and a SecretStore), from the module the chart tests pin. */
async function applyEsoCrds(): Promise<void> {
  const { moduleDir, SCHEMA_SOURCES } = await import('../../helm/src/schemas.js');
  const src = SCHEMA_SOURCES.externalSecrets;
  const dir = join(moduleDir(src.module, src.version), src.path);
  for (const f of src.files) kubectl('apply', '--server-side', '--force-conflicts', '-f', join(dir, f));
  kubectl(
    'wait',
    '--for=condition=Established',
    '--timeout=60s',
    'crd/externalsecrets.external-secrets.io',
    'crd/secretstores.external-secrets.io',
  );
}

/** Runs a command without blocking this process's event loop (it serves the model and the git server). */
export function runAsync(
  cmd: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; timeoutMs: number },
): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: options.cwd,
      env: { ...process.env, ...GIT_ENV, NO_COLOR: '1', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `${cmd} ${args.join(' ')}: no exit within ${options.timeoutMs} ms\n${stderr}\n${stdout.slice(-3000)}`,
        ),
      );
    }, options.timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ status: code ?? -1, stdout, stderr });
    });
  });
}

export async function setUpFixture(agentImage: string): Promise<Fixture> {
  const node = clusterInfo().realNode;
  if (!node)
    throw new Error('the running cluster has no real node: start it with `pnpm cluster:up --real-node`');
  const root = mkdtempSync(join(tmpdir(), 'asdlc-e2e-'));
  const token = `e2e-${randomBytes(16).toString('hex')}`;
  const scripts = JSON.parse(readFileSync(join(DEMO, 'model-script.json'), 'utf8')).scripts;

  // The model and the git server listen on the host end of the node's veth: what pods can reach.
  const model = await startScriptedModel({
    host: node.hostIP,
    scripts: {
      T002: scripts.T002,
      T005: scripts.T005,
      T006: [{ error: 500, message: 'upstream exploded' }],
      T007: [{ hang: true }],
    },
  });
  mkdirSync(join(root, 'git'), { recursive: true });
  const gitServer = await startGitServer({
    root: join(root, 'git'),
    host: node.hostIP,
    token,
    lifetimeMs: 40 * 60_000,
  });

  // The developer's checkout of the feature branch, pushed to the git server.
  const repo = join(root, 'work');
  cpSync(join(DEMO, 'project'), repo, { recursive: true });
  writeFileSync(join(repo, TASKS_FILE), TASKS_MD);
  git(repo, 'init', '-q', '-b', FEATURE);
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'greeter: spec, plan and tasks');
  const gitRoot = join(root, 'git');
  const bareDir = createBareRepo(gitRoot, 'greeter', { from: repo });
  git(repo, 'remote', 'add', 'origin', gitServer.repoUrl('greeter'));
  // The developer's own credential: read from the environment when git asks (never stored).
  git(
    repo,
    'config',
    'credential.helper',
    '!f() { test "$1" = get || exit 0; echo username=x-access-token; printf "password=%s\\n" "$E2E_GIT_TOKEN"; }; f',
  );
  // Through the server in this process: asynchronously (a blocking child would starve the server).
  const fetched = await runAsync('git', ['fetch', '-q', 'origin'], {
    cwd: repo,
    env: { E2E_GIT_TOKEN: token },
    timeoutMs: 60_000,
  });
  if (fetched.status !== 0) throw new Error(`git fetch from the git server failed: ${fetched.stderr}`);
  git(repo, 'branch', '-q', '--set-upstream-to', `origin/${FEATURE}`);

  // The namespace with Pod Security "restricted" enforced, then the seed's exact helm command plus our values.
  const kc = loadKubeConfig();
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const existing = await core.readNamespace({ name: NAMESPACE }).catch(() => undefined);
  if (!existing) {
    await core.createNamespace({
      body: {
        metadata: {
          name: NAMESPACE,
          labels: {
            'pod-security.kubernetes.io/enforce': 'restricted',
            'pod-security.kubernetes.io/enforce-version': 'latest',
          },
        },
      },
    });
  }
  await applyEsoCrds();
  const [repository, tag] = [
    agentImage.slice(0, agentImage.lastIndexOf(':')),
    agentImage.slice(agentImage.lastIndexOf(':') + 1),
  ];
  const opencode = opencodeConfigFor(model.url) as {
    provider: Record<string, { options: Record<string, unknown> }>;
  };
  // No key: the scripted model needs none (a real gateway's key would be `{env:NAME}` from the Secret).
  for (const p of Object.values(opencode.provider)) delete p.options.apiKey;
  const values = {
    'agentic-sdlc-agent-runner': {
      image: { repository, tag, pullPolicy: 'IfNotPresent' },
      profile: {
        model: 'scripted/demo',
        opencodeConfig: opencode,
        env: { OPENCODE_DISABLE_MODELS_FETCH: '1' },
        parallelism: 3,
      },
    },
  };
  writeFileSync(join(root, 'values-e2e.json'), JSON.stringify(values, null, 2));
  execFileSync(
    helmBin(),
    [
      'upgrade',
      '--install',
      RELEASE,
      'releases/agentic-sdlc-agent-runner-dev',
      '-n',
      NAMESPACE,
      '--create-namespace',
      '-f',
      join(root, 'values-e2e.json'),
      '--kubeconfig',
      kubeconfigPath(),
      '--wait',
      '--timeout',
      '2m',
    ],
    { cwd: REPO_ROOT, encoding: 'utf8', timeout: 180_000 },
  );

  // The Secret ESO would sync from the secret manager: the token, referenced by the profile.
  const profileCm = await core.readNamespacedConfigMap({
    name: 'agentic-sdlc-runner-profile',
    namespace: NAMESPACE,
  });
  const { parse } = await import('yaml');
  const profile = parse(profileCm.data?.['profile.yaml'] ?? '') as {
    secretName: string;
    secrets: { gitToken: { key: string }; modelApiKeys?: { key: string }[] };
  };
  // Every key the profile references must exist (kubelet refuses to start the container otherwise); the
  // model keys are placeholders: the scripted model needs none.
  const stringData: Record<string, string> = { [profile.secrets.gitToken.key]: token };
  for (const ref of profile.secrets.modelApiKeys ?? []) stringData[ref.key] = `placeholder-${ref.key}`;
  const secret = { metadata: { name: profile.secretName, namespace: NAMESPACE }, stringData };
  await core
    .deleteNamespacedSecret({ name: profile.secretName, namespace: NAMESPACE })
    .catch(() => undefined);
  await waitFor(
    'old secret gone',
    async () =>
      !(await core
        .readNamespacedSecret({ name: profile.secretName, namespace: NAMESPACE })
        .catch(() => undefined)),
    { timeoutMs: 30_000 },
  );
  await core.createNamespacedSecret({ namespace: NAMESPACE, body: secret });

  return {
    root,
    repo,
    bareDir,
    gitRoot,
    token,
    model,
    gitServer,
    cliEnv: { E2E_GIT_TOKEN: token, KUBECONFIG: kubeconfigPath() },
    kc,
    async close() {
      await model.close();
      await gitServer.stop();
      if (existsSync(root)) rmSync(root, { recursive: true, force: true });
    },
  };
}
