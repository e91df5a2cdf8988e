export { buildCli, main } from './cli.js';
export { CliError, EXIT, ExitError } from './errors.js';
export type { ResolvedTasksFile } from './feature.js';
export { resolveTasksFile } from './feature.js';
