import type { Argv, CommandModule } from 'yargs';
import type { KubeArgs } from '../k8s/kube.js';
import { withKubeOptions } from '../k8s/options.js';

export interface CancelArgs extends KubeArgs {
  target: string;
  run?: string;
  json?: boolean;
}

export const cancelCommand: CommandModule<object, CancelArgs> = {
  command: 'cancel <target>',
  describe: "Cancel a run (delete its Jobs, or stop a local run's agents) or one task of a k8s run",
  builder: (y) =>
    withKubeOptions(
      y
        .positional('target', {
          type: 'string',
          demandOption: true,
          describe: 'A run id, or a task id of the latest run (or of --run)',
        })
        .option('run', {
          type: 'string',
          describe: 'The run of the task to cancel (default: the latest run)',
        })
        .option('json', { type: 'boolean', describe: 'Print what was cancelled as JSON' }),
    )
      .example('$0 cancel r20260101-120000-ab12', 'Delete every Job of the run (its pods go with them)')
      .example('$0 cancel T011', 'Only task T011 of the latest run')
      .example(
        '$0 cancel nightly-42 --env stg',
        'A k8s run started elsewhere',
      ) as unknown as Argv<CancelArgs>,
  handler: async (args) => {
    const { runCancel } = await import('./cancel.handler.js');
    await runCancel(args);
  },
};
