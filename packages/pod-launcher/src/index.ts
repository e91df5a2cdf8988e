export { formatSeconds } from './_duration.js';
export {
  helmInstallCommand,
  InvalidInputError,
  JobConflictError,
  KubeApiError,
  KubeConfigError,
  KubeForbiddenError,
  LogFollowError,
  PodLauncherError,
  type PodLauncherErrorCode,
  ProfileInvalidError,
  ProfileNotFoundError,
  toKubeError,
  WaitTimeoutError,
} from './_errors.js';
export {
  deriveTaskStatus,
  explainFailure,
  formatFailure,
  isTerminalState,
  parseRunnerResult,
} from './_explain.js';
export {
  AGENT_UID,
  buildTaskJob,
  DEFAULT_STARTUP_ALLOWANCE_SECONDS,
  TERMINATION_MESSAGE_PATH,
} from './_job.js';
export { launchJobs } from './_launch.js';
export { LineSplitter, parseTimestampedLine, ResumeCursor, type ResumeCursorState } from './_lines.js';
export { followTaskLogs, readTaskLogs } from './_logs.js';
export { cancelRun, cleanupJobs, listRuns, runStatus } from './_manage.js';
export {
  AGENT_CONTAINER,
  ANNOTATION_BRANCH,
  ANNOTATION_TITLE,
  APP_NAME,
  envForNamespace,
  LABEL_COMPONENT,
  LABEL_FEATURE,
  LABEL_MANAGED_BY,
  LABEL_NAME,
  LABEL_RUN,
  LABEL_TASK,
  MANAGED_BY,
  MANAGED_SELECTOR,
  namespaceForEnv,
  runSelector,
  sanitizeLabelValue,
  taskJobName,
} from './_names.js';
export { loadKubeConfig, loadProfile } from './_profile.js';
export { watchRun } from './_watch.js';
export type {
  BuildTaskJobInput,
  CancelResult,
  CancelRunOptions,
  CleanupJobsOptions,
  CleanupResult,
  FailureCause,
  FailureExplanation,
  FailureKind,
  FollowTaskLogsOptions,
  KubeContextOptions,
  LaunchFailure,
  LaunchJobsOptions,
  LaunchResult,
  LoadKubeConfigOptions,
  LoadProfileOptions,
  LogLine,
  PodFinder,
  ReadTaskLogsOptions,
  RunnerEnv,
  RunnerOutcome,
  RunnerResult,
  RunStatusOptions,
  RunSummary,
  RunWatch,
  TaskEvent,
  TaskState,
  TaskStatus,
  WatchRunOptions,
} from './types.js';
