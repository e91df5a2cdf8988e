import type { Argv, CommandModule } from 'yargs';
import type { ColorMode } from '../color.js';

export interface InitArgs {
  target: 'opencode';
  dir: string;
  remove?: boolean;
  dryRun?: boolean;
  json?: boolean;
  color?: ColorMode;
}

export const initCommand: CommandModule<object, InitArgs> = {
  command: 'init <target>',
  describe:
    "Install asdlc's tools, agent and commands into a project's OpenCode config (and spec-kit's /implement)",
  builder: (y) =>
    y
      .positional('target', { choices: ['opencode'] as const, describe: 'Integration to install' })
      .option('dir', { type: 'string', default: '.', describe: 'Project directory' })
      .option('remove', {
        type: 'boolean',
        describe: 'Take the integration out again, restoring every edited file byte for byte',
      })
      .option('dry-run', { type: 'boolean', describe: 'List the changes, write nothing' })
      .option('json', { type: 'boolean', describe: 'Print the changes as JSON' })
      .example(
        '$0 init opencode',
        'Into ./.opencode: plugin, agent, /asdlc.dispatch, the /speckit.implement block',
      )
      .example('$0 init opencode --dry-run', 'What would change')
      .example('$0 init opencode --remove', 'Restore the project as it was') as unknown as Argv<InitArgs>,
  handler: async (args) => {
    const { runInit } = await import('../init/init.handler.js');
    await runInit(args);
  },
};
