/** Exit codes of `asdlc`, in one place. */
export const EXIT = {
  ok: 0,
  /** Tasks failed, or the tasks file has error diagnostics. */
  failure: 1,
  /** Usage, input or I/O errors. */
  usage: 2,
  /** Interrupted by the user (128 + SIGINT). */
  interrupted: 130,
} as const;

/** An error the user can fix: printed without a stack, exits with `exitCode`. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly code: string,
    readonly exitCode: number = EXIT.usage,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Thrown by a handler to exit with a code after it has printed its own output. */
export class ExitError extends Error {
  override readonly name = 'ExitError';
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}
