import type { Argv, CommandModule } from 'yargs';
import type { ColorMode } from '../color.js';
import type { KubeArgs } from '../k8s/kube.js';
import { withKubeOptions } from '../k8s/options.js';

export interface StatusArgs extends KubeArgs {
  run?: string;
  json?: boolean;
  color?: ColorMode;
}

export const statusCommand: CommandModule<object, StatusArgs> = {
  command: 'status [run]',
  describe: 'Show the state of a run and its tasks (local or k8s; default: the latest run)',
  builder: (y) =>
    withKubeOptions(
      y
        .positional('run', {
          type: 'string',
          describe: 'Run id (default: the latest run in this repository)',
        })
        .option('json', {
          type: 'boolean',
          describe: 'JSON on stdout (the default when stdout is not a terminal; --no-json forces the table)',
        }),
    )
      .example('$0 status', 'The latest run: every task, its state, branch, commit and time')
      .example('$0 status r20260101-120000-ab12 --json', 'One run as JSON')
      .example(
        '$0 status my-run --env stg',
        'A k8s run started elsewhere, read from the cluster',
      ) as unknown as Argv<StatusArgs>,
  handler: async (args) => {
    const { runStatusCommand } = await import('./status.handler.js');
    await runStatusCommand(args);
  },
};
