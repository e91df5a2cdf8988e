/**
 * The agent runner's result: the one contract between `asdlc-agent run-task` (which prints it as its last
 * line and writes it to the termination message) and the executors that read it (the CLI, pod-launcher).
 */

/** Fixed prefix of the result line. */
export const RESULT_PREFIX = 'ASDLC_RESULT ';

export const RUNNER_OUTCOMES = ['succeeded', 'no-changes', 'failed', 'timed-out', 'cancelled'] as const;
export type RunnerOutcome = (typeof RUNNER_OUTCOMES)[number];

export interface TokenUsage {
  input: number;
  output: number;
  reasoning: number;
  cacheRead: number;
  cacheWrite: number;
  total: number;
}

export interface RunnerResult {
  task: string;
  /** Task branch (null when the run failed before it was created). */
  branch: string | null;
  /** Commit the branch started from. */
  baseSha: string | null;
  /** The runner's commit (null: no commit). */
  sha: string | null;
  pushed: boolean;
  /** Repository-relative paths changed by the commit. */
  filesChanged: string[];
  durationMs: number;
  /** Token figures summed over the agent's steps (null when the agent reported none). */
  tokens: TokenUsage | null;
  /** Cost in the provider's currency as reported by the agent (null when unknown). */
  cost: number | null;
  outcome: RunnerOutcome;
  /** Human-readable reason (null on success). */
  reason: string | null;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** A parsed JSON value as a `RunnerResult` (missing fields defaulted), or null when it is not one. */
export function toRunnerResult(value: unknown): RunnerResult | null {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
  const r = value as Record<string, unknown>;
  if (typeof r.task !== 'string' || !RUNNER_OUTCOMES.includes(r.outcome as RunnerOutcome)) return null;
  return {
    task: r.task,
    branch: str(r.branch),
    baseSha: str(r.baseSha),
    sha: str(r.sha),
    pushed: r.pushed === true,
    filesChanged: Array.isArray(r.filesChanged)
      ? r.filesChanged.filter((f): f is string => typeof f === 'string')
      : [],
    durationMs: typeof r.durationMs === 'number' ? r.durationMs : 0,
    tokens: r.tokens && typeof r.tokens === 'object' ? (r.tokens as TokenUsage) : null,
    cost: typeof r.cost === 'number' ? r.cost : null,
    outcome: r.outcome as RunnerOutcome,
    reason: str(r.reason),
  };
}

/** `ASDLC_RESULT {…}` → the result; null when the line is not a (valid) result line. */
export function parseResultLine(line: string): RunnerResult | null {
  const text = line.replace(/\r?\n$/, '');
  if (!text.startsWith(RESULT_PREFIX)) return null;
  try {
    return toRunnerResult(JSON.parse(text.slice(RESULT_PREFIX.length)));
  } catch {
    return null;
  }
}

export function formatResultLine(result: RunnerResult): string {
  return `${RESULT_PREFIX}${JSON.stringify(result)}`;
}
