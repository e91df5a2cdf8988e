import type { Argv, CommandModule } from 'yargs';
import type { ColorMode } from '../color.js';

export interface RunArgs {
  path?: string;
  executor: 'local' | 'k8s';
  tasks?: string;
  parallel: number;
  timeout: string;
  agentCmd?: string;
  model?: string;
  keepWorktree?: boolean;
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
      .option('parallel', { type: 'number', default: 4, describe: 'Agents running at once' })
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
      .check((a) => {
        if (!Number.isInteger(a.parallel) || a.parallel < 1)
          throw new Error('--parallel must be a whole number ≥ 1');
        return true;
      })
      .example('$0 run', 'Run every [ASYNC] task of the active feature locally, 4 at a time')
      .example(
        '$0 run specs/001-demo --tasks T006,T007 --timeout 30m',
        'Two tasks, 30 minutes each',
      ) as unknown as Argv<RunArgs>,
  handler: async (args) => {
    const { runRun } = await import('../run/run.handler.js');
    await runRun(args);
  },
};
