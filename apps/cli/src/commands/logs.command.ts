import type { Argv, CommandModule } from 'yargs';
import type { ColorMode } from '../color.js';
import type { KubeArgs } from '../k8s/kube.js';
import { withKubeOptions } from '../k8s/options.js';

export interface LogsArgs extends KubeArgs {
  tasks?: string[];
  follow?: boolean;
  since?: string;
  tail?: number;
  run?: string;
  json?: boolean;
  color?: ColorMode;
}

export const logsCommand: CommandModule<object, LogsArgs> = {
  command: 'logs [tasks..]',
  describe: "Print (or follow) the agents' logs of a run, prefixed by task id (local or k8s)",
  builder: (y) =>
    withKubeOptions(
      y
        .positional('tasks', {
          type: 'string',
          array: true,
          describe: 'Task ids (default: every task of the run)',
        })
        .option('follow', { alias: 'f', type: 'boolean', describe: 'Keep streaming until the tasks end' })
        .option('since', { type: 'string', describe: 'Only lines newer than this (e.g. 30s, 10m, 2h)' })
        .option('tail', { type: 'number', describe: 'Only the last N lines of each task' })
        .option('run', { type: 'string', describe: 'Run id (default: the latest run)' })
        .option('json', {
          type: 'boolean',
          describe:
            'NDJSON records on stdout (the default when stdout is not a terminal; --no-json forces text)',
        }),
    )
      .check((a) => {
        if (a.tail !== undefined && (!Number.isInteger(a.tail) || a.tail < 0))
          throw new Error('--tail must be a whole number ≥ 0');
        return true;
      })
      .example('$0 logs', 'Every line of the latest run')
      .example('$0 logs T010 T011 -f', 'Follow two tasks until they end')
      .example('$0 logs --run r20260101-120000-ab12 --since 10m --tail 50', 'Recent lines of one run')
      .example(
        '$0 logs -f --env stg --run nightly-42',
        'A k8s run started elsewhere, from the cluster',
      ) as unknown as Argv<LogsArgs>,
  handler: async (args) => {
    const { runLogs } = await import('./logs.handler.js');
    await runLogs(args);
  },
};
