import type { Argv, CommandModule } from 'yargs';
import type { ColorMode } from '../color.js';

export interface TasksArgs {
  path?: string;
  async?: boolean;
  ready?: boolean;
  json?: boolean;
  color?: ColorMode;
}

export const tasksCommand: CommandModule<object, TasksArgs> = {
  command: 'tasks [path]',
  describe: 'Show the task graph of a spec-kit tasks.md: phases, markers, state and readiness',
  builder: (y) =>
    y
      .positional('path', {
        type: 'string',
        describe: 'tasks.md or its feature folder (default: the active feature)',
      })
      .option('async', { type: 'boolean', describe: 'Only [ASYNC] tasks' })
      .option('ready', { type: 'boolean', describe: 'Only tasks that may start now' })
      .option('json', { type: 'boolean', describe: 'Print the graph as JSON' })
      .example('$0 tasks', 'Tasks of the active feature (.specify/feature.json or the git branch)')
      .example('$0 tasks specs/001-demo --async --ready', 'The [ASYNC] tasks that may start now')
      .example('$0 tasks --json | jq ".tasks[].id"', 'Machine-readable output') as unknown as Argv<TasksArgs>,
  handler: async (args) => {
    const { runTasks } = await import('./tasks.handler.js');
    await runTasks(args);
  },
};
