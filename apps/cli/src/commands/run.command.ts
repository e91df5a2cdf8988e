import type { Argv, CommandModule } from 'yargs';
import type { ColorMode } from '../color.js';

export interface RunArgs {
  path?: string;
  executor: 'local' | 'k8s';
  tasks?: string;
  /** Default: 4 locally, the profile's `parallelism` on Kubernetes (also its cap). */
  parallel?: number;
  timeout: string;
  agentCmd?: string;
  model?: string;
  keepWorktree?: boolean;
  rerun?: boolean;
  dryRun?: boolean;
  json?: boolean;
  forceSync?: boolean;
  allowDirty?: boolean;
  markDone: boolean;
  base?: string;
  remote: string;
  runId?: string;
  detach?: boolean;
  color?: ColorMode;
  /** --executor k8s */
  env?: 'dev' | 'stg' | 'prod';
  namespace?: string;
  kubeconfig?: string;
  context?: string;
  repoUrl?: string;
  startupAllowance?: number;
  podAnnotations?: string;
}

export const runCommand: CommandModule<object, RunArgs> = {
  command: 'run [path]',
  describe: 'Run the ready [ASYNC] tasks with agents, one worktree and branch each, and stream their logs',
  builder: (y) =>
    y
      .positional('path', {
        type: 'string',
        describe: 'tasks.md or its feature folder (default: the active feature)',
      })
      .option('executor', {
        choices: ['local', 'k8s'] as const,
        default: 'local' as const,
        describe: 'Where agents run',
      })
      .option('tasks', {
        type: 'string',
        describe: 'Comma-separated task ids to run (default: every open [ASYNC] task)',
      })
      .option('parallel', {
        type: 'number',
        describe:
          "Agents running at once (default: 4 locally; on k8s the profile's parallelism, also its cap)",
      })
      .option('timeout', { type: 'string', default: '2h', describe: 'Per-task timeout (e.g. 90s, 30m, 2h)' })
      .option('agent-cmd', { type: 'string', describe: 'Run this command as the agent instead of OpenCode' })
      .option('model', {
        type: 'string',
        describe: "OpenCode model, provider/model (default: ASDLC_MODEL or OpenCode's)",
      })
      .option('keep-worktree', {
        type: 'boolean',
        describe: "Keep each task's worktree after it ends (debugging)",
      })
      .option('rerun', {
        type: 'boolean',
        describe:
          "Continue on task branches left by an earlier run (never force-pushes over others' commits)",
      })
      .option('dry-run', { type: 'boolean', describe: 'Print what would run, start nothing' })
      .option('json', { type: 'boolean', describe: 'NDJSON records on stdout (logs, status, summary)' })
      .option('force-sync', { type: 'boolean', describe: 'Allow [SYNC] tasks named in --tasks' })
      .option('allow-dirty', {
        type: 'boolean',
        describe: 'Run although the feature folder has uncommitted changes',
      })
      .option('mark-done', {
        type: 'boolean',
        default: true,
        describe: 'Mark pushed tasks [X] in the main checkout (--no-mark-done)',
      })
      .option('base', { type: 'string', describe: 'Base ref for the task branches (default: HEAD)' })
      .option('remote', {
        type: 'string',
        default: 'origin',
        describe: 'Remote the task branches are pushed to',
      })
      .option('run-id', { type: 'string', describe: 'Run id (default: generated)' })
      .option('detach', { type: 'boolean', describe: 'Start the run in the background and print its id' })
      .option('env', {
        choices: ['dev', 'stg', 'prod'] as const,
        describe: 'k8s: environment; Jobs go to namespace agent-runner-<env> (default dev)',
      })
      .option('namespace', { alias: 'n', type: 'string', describe: 'k8s: namespace (overrides --env)' })
      .option('kubeconfig', {
        type: 'string',
        describe: 'k8s: kubeconfig file (default KUBECONFIG, ~/.kube/config)',
      })
      .option('context', { type: 'string', describe: 'k8s: kubeconfig context (default: the current one)' })
      .option('repo-url', {
        type: 'string',
        describe: "k8s: URL the pods clone (default: the remote's URL)",
      })
      .option('startup-allowance', {
        type: 'number',
        describe:
          "k8s: seconds added to --timeout for image pull and clone (the Job's deadline; default 600)",
      })
      .option('pod-annotations', {
        type: 'string',
        hidden: true,
        describe:
          'k8s: extra pod annotations, JSON {"*": {…}, "T010": {…}} or @file (tests drive kwok with it)',
      })
      .check((a) => {
        if (a.parallel !== undefined && (!Number.isInteger(a.parallel) || a.parallel < 1))
          throw new Error('--parallel must be a whole number ≥ 1');
        if (a.executor !== 'k8s') {
          const k8sOnly = ['env', 'namespace', 'kubeconfig', 'context', 'repo-url', 'startup-allowance'];
          const given = k8sOnly.filter((k) => a[k] !== undefined);
          if (given.length) throw new Error(`--${given[0]} needs --executor k8s`);
        }
        if (a['startup-allowance'] !== undefined) {
          const v = a['startup-allowance'] as number;
          if (!Number.isInteger(v) || v < 0)
            throw new Error('--startup-allowance must be a whole number ≥ 0');
        }
        return true;
      })
      .example('$0 run', 'Run every [ASYNC] task of the active feature locally, 4 at a time')
      .example('$0 run specs/001-demo --tasks T006,T007 --timeout 30m', 'Two tasks, 30 minutes each')
      .example(
        '$0 run --executor k8s --env dev --parallel 8',
        'One Job per task in namespace agent-runner-dev; Ctrl-C detaches, asdlc attach <run> resumes',
      )
      .example(
        '$0 run specs/001-demo --executor k8s -n my-ns --context staging --timeout 45m',
        'Another namespace and kubeconfig context',
      ) as unknown as Argv<RunArgs>,
  handler: async (args) => {
    const { runRun } = await import('../run/run.handler.js');
    await runRun(args);
  },
};
