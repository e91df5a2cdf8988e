import pRetry, { AbortError } from 'p-retry';
import { errorText, lockContention } from './_git.js';
import { GitLockedError } from './errors.js';
import type { RetryPolicy } from './types.js';

/** Lock contention: up to 10 retries, 25 ms → 1 s with jitter (worst case ≈ 10 s). */
export const LOCK_RETRY: Required<RetryPolicy> = { retries: 10, minTimeoutMs: 25, maxTimeoutMs: 1000 };

/** Transient network failures: up to 4 retries, 1 s → 8 s with jitter. */
export const NETWORK_RETRY: Required<RetryPolicy> = { retries: 4, minTimeoutMs: 1000, maxTimeoutMs: 8000 };

export function resolvePolicy(policy: RetryPolicy | undefined, defaults: Required<RetryPolicy>) {
  return {
    retries: Math.max(0, policy?.retries ?? defaults.retries),
    minTimeout: Math.max(0, policy?.minTimeoutMs ?? defaults.minTimeoutMs),
    maxTimeout: Math.max(0, policy?.maxTimeoutMs ?? defaults.maxTimeoutMs),
    factor: 2,
    randomize: true,
  };
}

/**
 * Run `fn`, retrying only while git reports lock-file contention; other errors pass through untouched.
 * When the budget is spent, throws `GitLockedError` (code `E_GIT_LOCKED`).
 */
export async function withLockRetry<T>(what: string, policy: RetryPolicy | undefined, fn: () => Promise<T>) {
  const options = resolvePolicy(policy, LOCK_RETRY);
  let attempts = 0;
  return pRetry(
    async () => {
      attempts++;
      try {
        return await fn();
      } catch (error) {
        const lock = lockContention(errorText(error));
        if (!lock) throw new AbortError(error as Error);
        if (attempts > options.retries) {
          throw new AbortError(
            new GitLockedError(
              { what, lockFile: lock.lockFile, attempts, gitMessage: errorText(error) },
              { cause: error },
            ),
          );
        }
        throw error;
      }
    },
    { ...options, retries: options.retries },
  ).catch((error: unknown) => {
    throw unwrapAbort(error);
  });
}

export function unwrapAbort(error: unknown): unknown {
  if (error instanceof AbortError && (error as { originalError?: unknown }).originalError) {
    return (error as { originalError?: unknown }).originalError;
  }
  return error;
}
