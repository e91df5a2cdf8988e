/** Every `code` an error of the agent runner can carry. */
export type AgentErrorCode =
  | 'E_USAGE'
  | 'E_UNKNOWN_TASK'
  | 'E_NO_TASKS_FILE'
  | 'E_REPO'
  | 'E_GIT_AUTH'
  | 'E_AGENT'
  | 'E_OPENCODE_NOT_FOUND';

/** An error of the agent runner; `exitCode` 2 marks a usage/input error. */
export class AgentRunnerError extends Error {
  override readonly name: string = 'AgentRunnerError';
  readonly code: AgentErrorCode;
  readonly exitCode: number;
  constructor(code: AgentErrorCode, message: string, options: { cause?: unknown; exitCode?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.exitCode = options.exitCode ?? 1;
  }
}

/** Bad input: exit code 2. */
export class UsageError extends AgentRunnerError {
  override readonly name = 'UsageError';
  constructor(code: AgentErrorCode, message: string, options: { cause?: unknown } = {}) {
    super(code, message, { ...options, exitCode: 2 });
  }
}
