import type { Argv, CommandModule } from 'yargs';
import type { ColorMode } from '../color.js';
import type { KubeArgs } from '../k8s/kube.js';
import { withKubeOptions } from '../k8s/options.js';

export interface AttachArgs extends KubeArgs {
  run: string;
  json?: boolean;
  markDone: boolean;
  parallel?: number;
  color?: ColorMode;
}

export const attachCommand: CommandModule<object, AttachArgs> = {
  command: 'attach <run>',
  describe: 'Re-attach to a detached k8s run: resume its log stream (no line lost or repeated) and status',
  builder: (y) =>
    withKubeOptions(
      y
        .positional('run', {
          type: 'string',
          demandOption: true,
          describe: 'Run id (printed when it detached)',
        })
        .option('json', { type: 'boolean', describe: 'NDJSON records on stdout (logs, status, summary)' })
        .option('parallel', {
          type: 'number',
          describe: "Jobs at once for tasks not started yet (default: the run's --parallel)",
        })
        .option('mark-done', {
          type: 'boolean',
          default: true,
          describe: 'Mark pushed tasks [X] in tasks.md (--no-mark-done)',
        }),
    )
      .example('$0 attach r20260101-120000-ab12', 'Resume where Ctrl-C left the run')
      .example(
        '$0 attach r20260101-120000-ab12 --json | jq -c "select(.type==\\"summary\\")"',
        'Wait for the summary',
      ) as unknown as Argv<AttachArgs>,
  handler: async (args) => {
    const { runAttach } = await import('./attach.handler.js');
    await runAttach(args);
  },
};
