/** Environment variables whose values never appear in output (model keys, git tokens), on every executor. */
export const SECRET_ENV_NAMES = [
  'GIT_TOKEN',
  'GITHUB_TOKEN',
  'GH_TOKEN',
  'ANTHROPIC_API_KEY',
  'OPENAI_API_KEY',
  'OPENROUTER_API_KEY',
];
