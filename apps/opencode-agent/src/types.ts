/** Types of the agent runner. Runtime-free. */

import type {
  RunnerOutcome,
  RunnerResult,
  TokenUsage as RunnerTokenUsage,
} from '@agentic-sdlc/secrets-config';

/** The runner's outcome and result: the contract defined in `@agentic-sdlc/secrets-config`. */
export type TaskOutcome = RunnerOutcome;
export type TokenUsage = RunnerTokenUsage;
/** The one result object of a task run (printed as `ASDLC_RESULT <json>`, the last stdout line). */
export type TaskResult = RunnerResult;

/** Options of one `run-task`. */
export interface RunTaskOptions {
  /** Local directory or git URL. */
  repo: string;
  /** Task id (`T006`) or key (`T006@42`). */
  task: string;
  /** tasks.md path (absolute or relative to the repository root). Discovered when absent. */
  tasksFile?: string;
  /** Base ref of the task branch (default: the repository's current HEAD / the clone's branch). */
  base?: string;
  /** Run id (directory under `.agentic-sdlc/runs/`). Default `ASDLC_RUN_ID` or a timestamp. */
  run?: string;
  branchTemplate?: string;
  reuseBranch?: boolean;
  /** `provider/model` for OpenCode (default `ASDLC_MODEL`). */
  model?: string;
  /** Run this shell command instead of OpenCode. */
  agentCmd?: string;
  /** Timeout in ms (default 2 h). */
  timeoutMs?: number;
  /** Grace between SIGTERM and SIGKILL in ms (default 10 s). */
  killGraceMs?: number;
  keepWorktree?: boolean;
  /** Remote to push to (default `origin`). */
  remote?: string;
  authorName?: string;
  authorEmail?: string;
  /** OpenCode binary (default: the pinned `opencode-ai` dependency). */
  opencodeBin?: string;
  /** Directory for clones of URL repos (default: a temp dir). */
  workDir?: string;
  /** Abort (SIGTERM/SIGINT): the agent is stopped, outcome `cancelled`. */
  signal?: AbortSignal;
  /** Environment (default `process.env`). */
  env?: NodeJS.ProcessEnv;
}

/** Where the runner writes its log lines. */
export interface RunnerIO {
  /** A human-readable log line (stdout). */
  log(line: string): void;
  /** A warning/progress line (stderr). */
  warn(line: string): void;
}

/** What `buildPrompt` read and produced. */
export interface BuiltPrompt {
  text: string;
  /** Repository-relative files inlined in the prompt, in order. */
  sources: string[];
  /** True when `.async_state/delegation_prompts/<TID>.md` was used as the body. */
  delegation: boolean;
}

/** The running summary of OpenCode's JSON events. */
export interface EventSummary {
  tokens: TokenUsage | null;
  cost: number | null;
  /** `error` events and errored tool parts, readable. */
  errors: string[];
  /** Tool calls refused by a permission (auto-rejected "ask" or "deny"). */
  rejected: string[];
  /** Files written/edited by tools (absolute paths as the agent reported them). */
  filesEdited: string[];
  toolCalls: number;
  /** The last text the model produced. */
  finalText: string | null;
  sessionId: string | null;
}

/** What `runTask` returns: the result and the process exit code (0 ok/no-changes, 1 failed, 2 usage). */
export interface RunTaskOutput {
  result: TaskResult;
  exitCode: 0 | 1 | 2;
}
