import { readFileSync } from 'node:fs';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { attachCommand } from './commands/attach.command.js';
import { cancelCommand } from './commands/cancel.command.js';
import { cleanupCommand } from './commands/cleanup.command.js';
import { initCommand } from './commands/init.command.js';
import { logsCommand } from './commands/logs.command.js';
import { runCommand } from './commands/run.command.js';
import { statusCommand } from './commands/status.command.js';
import { tasksCommand } from './commands/tasks.command.js';
import { CliError, EXIT, ExitError } from './errors.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

/** Builds the `asdlc` CLI. The root only registers commands; each handler loads its own code lazily. */
export function buildCli(argv: string[]) {
  return yargs(argv)
    .scriptName('asdlc')
    .usage('$0 <command> [options]\n\nRun the [ASYNC] tasks of a spec-kit feature with AI coding agents.')
    .option('color', {
      choices: ['auto', 'always', 'never'] as const,
      default: 'auto' as const,
      describe: 'Colour output (NO_COLOR and FORCE_COLOR are honoured in auto mode)',
      global: true,
    })
    .option('verbose', { type: 'boolean', describe: 'Print stack traces of errors', global: true })
    .command(tasksCommand)
    .command(runCommand)
    .command(statusCommand)
    .command(logsCommand)
    .command(attachCommand)
    .command(cancelCommand)
    .command(cleanupCommand)
    .command(initCommand)
    .demandCommand(
      1,
      'Name a command: asdlc tasks, run, status, logs, attach, cancel, cleanup or init (asdlc --help)',
    )
    .strict()
    .version(version())
    .help()
    .alias('h', 'help')
    .wrap(Math.min(110, process.stdout.columns || 80))
    .fail((message, error) => {
      if (error) throw error;
      throw new CliError(`${message}\nRun asdlc --help for usage.`, 'E_USAGE', EXIT.usage);
    });
}

/** Runs the CLI and returns the process exit code (errors are printed here, in one place). */
export async function main(argv = hideBin(process.argv)): Promise<number> {
  try {
    await buildCli(argv).parseAsync();
    return process.exitCode === undefined ? EXIT.ok : Number(process.exitCode);
  } catch (error) {
    if (error instanceof ExitError) return error.exitCode;
    const verbose = argv.includes('--verbose');
    if (error instanceof CliError) {
      process.stderr.write(`asdlc: ${error.message}\n`);
      if (verbose && error.cause)
        process.stderr.write(`${String((error.cause as Error).stack ?? error.cause)}\n`);
      return error.exitCode;
    }
    process.stderr.write(`asdlc: internal error: ${(error as Error).message}\n`);
    if (verbose) process.stderr.write(`${(error as Error).stack}\n`);
    else process.stderr.write('Run again with --verbose for the stack trace.\n');
    return EXIT.failure;
  }
}
