import { BatchV1Api, type V1Job } from '@kubernetes/client-node';
import pLimit from 'p-limit';
import pRetry, { AbortError } from 'p-retry';
import { httpStatusOf, isTransient, JobConflictError, toKubeError } from './_errors.js';
import { LABEL_RUN, LABEL_TASK } from './_names.js';
import { kubeUserName } from './_profile.js';
import type { LaunchFailure, LaunchJobsOptions, LaunchResult } from './types.js';

/**
 * Create Jobs with a bounded pool. A Job that already exists for the same run and task is adopted (a
 * repeated `run` never double-spawns); one with the same name but another run/task is a `JobConflictError`.
 * 403 → `KubeForbiddenError`. Transient errors (5xx, 429, network) are retried. Never throws per Job:
 * failures are returned in `failed`, in input order like the other lists.
 */
export async function launchJobs(options: LaunchJobsOptions): Promise<LaunchResult> {
  const { kc, jobs } = options;
  const batch = kc.makeApiClient(BatchV1Api);
  const limit = pLimit(Math.max(1, options.concurrency ?? 16));
  const user = kubeUserName(kc);
  type One = { kind: 'created' | 'adopted'; job: V1Job } | { kind: 'failed'; failure: LaunchFailure };

  const launchOne = async (job: V1Job): Promise<One> => {
    const namespace = job.metadata?.namespace ?? 'default';
    const name = job.metadata?.name ?? '';
    try {
      const created = await pRetry(
        async () => {
          try {
            return await batch.createNamespacedJob({ namespace, body: job });
          } catch (err) {
            if (!isTransient(err) || httpStatusOf(err) === 409) throw new AbortError(err as Error);
            throw err;
          }
        },
        {
          retries: options.retries ?? 3,
          minTimeout: 200,
          maxTimeout: 2000,
          randomize: true,
          ...(options.signal ? { signal: options.signal } : {}),
        },
      );
      return { kind: 'created', job: created };
    } catch (err) {
      if (httpStatusOf(err) === 409) {
        try {
          const existing = await batch.readNamespacedJob({ name, namespace });
          const want = job.metadata?.labels ?? {};
          const have = existing.metadata?.labels ?? {};
          if (have[LABEL_RUN] === want[LABEL_RUN] && have[LABEL_TASK] === want[LABEL_TASK]) {
            return { kind: 'adopted', job: existing };
          }
          return {
            kind: 'failed',
            failure: {
              job,
              error: new JobConflictError(
                `Job "${name}" in namespace ${namespace} already exists for run "${have[LABEL_RUN]}" task "${have[LABEL_TASK]}", not run "${want[LABEL_RUN]}" task "${want[LABEL_TASK]}"; delete it or use another run id`,
                { cause: err },
              ),
            },
          };
        } catch (readErr) {
          return {
            kind: 'failed',
            failure: {
              job,
              error: toKubeError(readErr, { verb: 'get', resource: 'jobs.batch', namespace, name, user }),
            },
          };
        }
      }
      return {
        kind: 'failed',
        failure: {
          job,
          error: toKubeError(err, { verb: 'create', resource: 'jobs.batch', namespace, name, user }),
        },
      };
    }
  };

  const results = await Promise.all(jobs.map((job) => limit(() => launchOne(job))));
  const out: LaunchResult = { created: [], adopted: [], failed: [] };
  for (const r of results) {
    if (r.kind === 'failed') out.failed.push(r.failure);
    else out[r.kind].push(r.job);
  }
  return out;
}
