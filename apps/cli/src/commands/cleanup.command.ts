import type { Argv, CommandModule } from 'yargs';
import type { KubeArgs } from '../k8s/kube.js';
import { withKubeOptions } from '../k8s/options.js';

export interface CleanupArgs extends KubeArgs {
  olderThan: string;
  dryRun?: boolean;
  json?: boolean;
}

export const cleanupCommand: CommandModule<object, CleanupArgs> = {
  command: 'cleanup',
  describe: "Delete this tool's finished Jobs (k8s, by label) and prune stale task worktrees (local)",
  builder: (y) =>
    withKubeOptions(
      y
        .option('older-than', {
          type: 'string',
          default: '24h',
          describe: 'Only Jobs that finished longer ago than this (e.g. 0s, 30m, 24h)',
        })
        .option('dry-run', { type: 'boolean', describe: 'Only print what would be deleted' })
        .option('json', { type: 'boolean', describe: 'Print the result as JSON' }),
    )
      .example('$0 cleanup', 'Prune stale worktrees of this repository')
      .example(
        '$0 cleanup --env dev --older-than 2h',
        'Also delete Jobs in agent-runner-dev finished over 2 h ago',
      )
      .example(
        '$0 cleanup -n my-ns --older-than 0s --dry-run',
        'What would go, deleting nothing',
      ) as unknown as Argv<CleanupArgs>,
  handler: async (args) => {
    const { runCleanup } = await import('./cleanup.handler.js');
    await runCleanup(args);
  },
};
