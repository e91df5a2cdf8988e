/** Machine-readable codes for every error this package throws. */
export type SecretsConfigErrorCode =
  | 'E_PROFILE_INVALID'
  | 'E_VALUES_INVALID'
  | 'E_PROFILE_YAML'
  | 'E_PROFILE_CONFIGMAP'
  | 'E_DURATION'
  | 'E_LITERAL_CREDENTIAL'
  | 'E_BUILDER_INPUT';

/** The one error class of `@agentic-sdlc/secrets-config`; `code` tells callers what failed. */
export class SecretsConfigError extends Error {
  override readonly name = 'SecretsConfigError';
  readonly code: SecretsConfigErrorCode;
  /** Human-readable problems (path: message), when the error aggregates several. */
  readonly issues: readonly string[];

  constructor(
    code: SecretsConfigErrorCode,
    message: string,
    options: { cause?: unknown; issues?: readonly string[] } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.issues = options.issues ?? [];
  }
}
