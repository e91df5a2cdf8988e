export { commitMessage, commitType } from './_commit.js';
export { parseDuration } from './_duration.js';
export { AgentRunnerError, UsageError } from './_errors.js';
export { describeError, EventSummariser } from './_events.js';
export { opencodeConfigContent, pinnedOpencodeVersion, resolveOpencodeBin } from './_opencode.js';
export { buildPrompt } from './_prompt.js';
export {
  compactResultJson,
  exitCodeFor,
  formatResultLine,
  parseResultLine,
  RESULT_PREFIX,
} from './_result.js';
export { main } from './cli.js';
export { DEFAULT_KILL_GRACE_MS, DEFAULT_TIMEOUT_MS, runTask } from './run-task.js';
export type {
  BuiltPrompt,
  EventSummary,
  RunnerIO,
  RunTaskOptions,
  RunTaskOutput,
  TaskOutcome,
  TaskResult,
  TokenUsage,
} from './types.js';
