import yargs, { type Argv } from 'yargs';
import { parseDuration } from './_duration.js';
import { AgentRunnerError } from './_errors.js';
import { formatResultLine } from './_result.js';
import type { RunnerIO, RunTaskOptions } from './types.js';

export interface CliStreams {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

interface RunTaskArgs {
  repo: string;
  task: string;
  'tasks-file'?: string;
  base?: string;
  run?: string;
  'branch-template'?: string;
  'reuse-branch'?: boolean;
  model?: string;
  'agent-cmd'?: string;
  timeout: string;
  'kill-grace': string;
  'keep-worktree'?: boolean;
  remote: string;
  'author-name'?: string;
  'author-email'?: string;
  'opencode-bin'?: string;
  'work-dir'?: string;
  json?: boolean;
}

function runTaskBuilder(y: Argv): Argv<RunTaskArgs> {
  return y
    .option('repo', {
      type: 'string',
      demandOption: true,
      describe: 'Repository: a local directory (used in place) or a git URL (cloned shallow)',
    })
    .option('task', { type: 'string', demandOption: true, describe: 'Task id (T006) or key (T006@42)' })
    .option('tasks-file', {
      type: 'string',
      describe: 'tasks.md (default: discovered like spec-kit: .specify/feature.json, then the branch name)',
    })
    .option('base', {
      type: 'string',
      describe: 'Base ref of the task branch (default: HEAD; the branch to clone for URLs)',
    })
    .option('run', {
      type: 'string',
      describe:
        'Run id: the result goes to .agentic-sdlc/runs/<run>/<task>.json (default: ASDLC_RUN_ID or a timestamp)',
    })
    .option('branch-template', {
      type: 'string',
      describe: 'Task branch template with {branch}, {feature}, {task}, {TASK} (default {branch}-{task})',
    })
    .option('reuse-branch', {
      type: 'boolean',
      describe: "Re-run on the task's existing branch (push uses --force-with-lease on it)",
    })
    .option('model', {
      type: 'string',
      describe: "OpenCode model provider/model (default: ASDLC_MODEL, else OpenCode's config)",
    })
    .option('agent-cmd', {
      type: 'string',
      describe: 'Run this shell command in the worktree instead of OpenCode',
    })
    .option('timeout', { type: 'string', default: '2h', describe: 'Agent timeout (2h, 30m, 5s, …)' })
    .option('kill-grace', {
      type: 'string',
      default: '10s',
      describe: 'Grace between SIGTERM and SIGKILL of the agent',
    })
    .option('keep-worktree', { type: 'boolean', describe: 'Keep the worktree after the task (debugging)' })
    .option('remote', { type: 'string', default: 'origin', describe: 'Remote to push the task branch to' })
    .option('author-name', {
      type: 'string',
      describe: 'Commit author name (default: ASDLC_GIT_AUTHOR_NAME or asdlc-agent)',
    })
    .option('author-email', {
      type: 'string',
      describe: 'Commit author email (default: ASDLC_GIT_AUTHOR_EMAIL or asdlc-agent@localhost)',
    })
    .option('opencode-bin', {
      type: 'string',
      describe: 'OpenCode binary (default: ASDLC_OPENCODE_BIN, else the pinned opencode-ai dependency)',
    })
    .option('work-dir', {
      type: 'string',
      describe: 'Where URL repositories are cloned (default: ASDLC_WORK_DIR or the temp dir)',
    })
    .option('json', {
      type: 'boolean',
      describe: 'Only the result line on stdout; every log line goes to stderr',
    })
    .example('$0 run-task --repo . --task T006', 'Run T006 of the current feature with OpenCode')
    .example('$0 run-task --repo . --task T006 --agent-cmd ./my-agent.sh --timeout 30m', 'Run any agent CLI')
    .strict() as unknown as Argv<RunTaskArgs>;
}

/** Runs the CLI; resolves to the exit code. `env` defaults to `process.env`. */
export async function main(
  argv: string[],
  streams: CliStreams,
  signal?: AbortSignal,
  env?: NodeJS.ProcessEnv,
): Promise<number> {
  let exitCode = 0;
  let handled = false;
  const parser = yargs(argv)
    .scriptName('asdlc-agent')
    .usage('$0 <command> [options]')
    .command<RunTaskArgs>(
      'run-task',
      'Run one task: worktree, agent, commit, push; prints an ASDLC_RESULT line last',
      runTaskBuilder,
      async (args) => {
        handled = true;
        exitCode = await runTaskCommand(args, streams, signal, env);
      },
    )
    .demandCommand(1, 'expected a command: run-task')
    .strict()
    .exitProcess(false)
    .fail((message, error) => {
      throw new AgentRunnerError('E_USAGE', message ?? error?.message ?? 'invalid arguments', {
        exitCode: 2,
      });
    })
    .help()
    .version(false)
    .wrap(Math.min(120, process.stdout.columns ?? 120));
  try {
    const output = await new Promise<string>((resolve, reject) => {
      parser
        .parseAsync(argv, {}, (err, _parsed, out) => {
          if (err) reject(err);
          else resolve(out);
        })
        .catch(reject);
    });
    if (!handled && output) streams.stdout(`${output}\n`);
  } catch (error) {
    if (error instanceof AgentRunnerError) {
      streams.stderr(`asdlc-agent: ${error.message}\nRun asdlc-agent run-task --help for the options.\n`);
      return error.exitCode;
    }
    streams.stderr(`asdlc-agent: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
  return exitCode;
}

async function runTaskCommand(
  args: RunTaskArgs,
  streams: CliStreams,
  signal?: AbortSignal,
  env?: NodeJS.ProcessEnv,
): Promise<number> {
  const timeoutMs = parseDuration(args.timeout);
  const killGraceMs = parseDuration(args['kill-grace']);
  const { runTask } = await import('./run-task.js');
  const io: RunnerIO = {
    log: (line) => (args.json ? streams.stderr(`${line}\n`) : streams.stdout(`${line}\n`)),
    warn: (line) => streams.stderr(`asdlc-agent: ${line}\n`),
  };
  const options: RunTaskOptions = {
    repo: args.repo,
    task: args.task,
    timeoutMs,
    killGraceMs,
    remote: args.remote,
    ...(args['tasks-file'] ? { tasksFile: args['tasks-file'] } : {}),
    ...(args.base ? { base: args.base } : {}),
    ...(args.run ? { run: args.run } : {}),
    ...(args['branch-template'] ? { branchTemplate: args['branch-template'] } : {}),
    ...(args['reuse-branch'] ? { reuseBranch: true } : {}),
    ...(args.model ? { model: args.model } : {}),
    ...(args['agent-cmd'] ? { agentCmd: args['agent-cmd'] } : {}),
    ...(args['keep-worktree'] ? { keepWorktree: true } : {}),
    ...(args['author-name'] ? { authorName: args['author-name'] } : {}),
    ...(args['author-email'] ? { authorEmail: args['author-email'] } : {}),
    ...(args['opencode-bin'] ? { opencodeBin: args['opencode-bin'] } : {}),
    ...(args['work-dir'] ? { workDir: args['work-dir'] } : {}),
    ...(signal ? { signal } : {}),
    ...(env ? { env } : {}),
  };
  const { result, exitCode } = await runTask(options, io);
  if (result.reason) io.warn(`${result.task}: ${result.outcome}: ${result.reason}`);
  streams.stdout(`${formatResultLine(result)}\n`);
  return exitCode;
}
