export { buildCli, main } from './cli.js';
export { CliError, EXIT, ExitError } from './errors.js';
export { resolveTasksFile } from './feature.js';
export type { ResolvedTasksFile } from './feature.js';
