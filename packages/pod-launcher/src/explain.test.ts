import { describe, expect, it } from 'vitest';
import { job, pod, resultJson } from '../test/fixtures/status.js';
import {
  deriveTaskStatus,
  explainFailure,
  type FailureCause,
  type FailureKind,
  formatFailure,
  formatSeconds,
  KubeForbiddenError,
  parseRunnerResult,
} from './index.js';

describe('explainFailure — one case per reason', () => {
  it('DeadlineExceeded → "timed out after 2h10m (the Job\'s activeDeadlineSeconds)"', () => {
    const j = job([
      {
        type: 'Failed',
        reason: 'DeadlineExceeded',
        message: 'Job was active longer than specified deadline',
      },
    ]);
    // the killed pod's exit 137 must not hide the deadline
    const p = pod({ phase: 'Failed', state: { terminated: { exitCode: 137, reason: 'Error' } } });
    const e = explainFailure(j, [p]);
    expect(e?.cause).toEqual({ kind: 'DeadlineExceeded', seconds: 7800 });
    expect(e?.message).toBe("timed out after 2h10m (the Job's activeDeadlineSeconds)");
    // FailureTarget (pods still terminating) counts the same
    expect(explainFailure(job([{ type: 'FailureTarget', reason: 'DeadlineExceeded' }]), [])?.cause.kind).toBe(
      'DeadlineExceeded',
    );
  });

  it('ImagePullBackOff and ErrImagePull name the image', () => {
    for (const reason of ['ImagePullBackOff', 'ErrImagePull']) {
      const p = pod({
        phase: 'Pending',
        state: { waiting: { reason, message: 'Back-off pulling image "ghcr.io/example/agent:1.0"' } },
      });
      const e = explainFailure(job(), [p]);
      expect(e?.cause).toMatchObject({
        kind: 'ImagePull',
        image: 'ghcr.io/example/agent:1.0',
        waitingReason: reason,
      });
      expect(e?.message).toContain(`cannot pull image ghcr.io/example/agent:1.0 (${reason})`);
      expect(e?.pod).toBe('asdlc-r1-t001-abcde');
    }
  });

  it('CreateContainerConfigError names the missing Secret key', () => {
    const p = pod({
      phase: 'Pending',
      state: {
        waiting: {
          reason: 'CreateContainerConfigError',
          message:
            "couldn't find key anthropic-api-key in Secret agent-runner-dev/agentic-sdlc-agent-runner-dev",
        },
      },
    });
    const e = explainFailure(job(), [p]);
    expect(e?.cause).toMatchObject({
      kind: 'CreateContainerConfig',
      key: 'anthropic-api-key',
      secret: 'agentic-sdlc-agent-runner-dev',
    });
    expect(e?.message).toBe(
      'missing key "anthropic-api-key" in Secret "agentic-sdlc-agent-runner-dev" (CreateContainerConfigError) — check the ExternalSecret and the profile\'s secret refs',
    );
    const missingSecret = pod({
      phase: 'Pending',
      state: {
        waiting: { reason: 'CreateContainerConfigError', message: 'secret "runner-secrets" not found' },
      },
    });
    expect(explainFailure(job(), [missingSecret])?.message).toBe(
      'missing Secret "runner-secrets" (CreateContainerConfigError) — is the ExternalSecret synced?',
    );
    const other = pod({
      phase: 'Pending',
      state: { waiting: { reason: 'CreateContainerConfigError', message: 'weird' } },
    });
    expect(explainFailure(job(), [other])?.message).toContain('weird');
  });

  it('OOMKilled with the memory limit', () => {
    const p = pod({
      phase: 'Failed',
      memoryLimit: '4Gi',
      state: { terminated: { exitCode: 137, reason: 'OOMKilled' } },
    });
    const e = explainFailure(job([{ reason: 'PodFailurePolicy' }]), [p]);
    expect(e?.cause).toEqual({ kind: 'OOMKilled', memoryLimit: '4Gi' });
    expect(e?.message).toContain('out of memory (OOMKilled, memory limit 4Gi)');
  });

  it('Evicted (status reason and DisruptionTarget condition)', () => {
    const p = pod({ phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory.' });
    expect(explainFailure(job(), [p])?.message).toBe('pod evicted: The node was low on resource: memory.');
    const d = pod({
      phase: 'Failed',
      conditions: [
        { type: 'DisruptionTarget', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting' },
      ],
      state: { terminated: { exitCode: 143, reason: 'Error' } },
    });
    expect(explainFailure(job(), [d])?.cause).toEqual({
      kind: 'Evicted',
      detail: 'EvictionByEvictionAPI: Eviction API: evicting',
    });
  });

  it('BackoffLimitExceeded with counts and the last exit code', () => {
    const pods = [
      pod({
        name: 'a',
        created: '2026-01-01T00:00:00Z',
        phase: 'Failed',
        state: { terminated: { exitCode: 2 } },
      }),
      pod({
        name: 'b',
        created: '2026-01-01T00:01:00Z',
        phase: 'Failed',
        state: { terminated: { exitCode: 3 } },
      }),
    ];
    const e = explainFailure(job([{ reason: 'BackoffLimitExceeded' }], { backoffLimit: 1, failed: 2 }), pods);
    expect(e?.cause).toEqual({ kind: 'BackoffLimitExceeded', failures: 2, backoffLimit: 1, lastExitCode: 3 });
    expect(e?.message).toBe('failed 2 time(s), backoffLimit 1 reached (last exit code 3)');
    expect(e?.pod).toBe('b');
  });

  it('PodFailurePolicy without a readable pod falls back to the condition message', () => {
    const e = explainFailure(
      job([
        {
          reason: 'PodFailurePolicy',
          message: 'Container agent for pod ns/x failed with exit code 1 matching FailJob rule at index 1',
        },
      ]),
      [],
    );
    expect(e?.cause.kind).toBe('PodFailurePolicy');
    expect(e?.message).toContain('matching FailJob rule at index 1');
  });

  it("non-zero exit with code, and the runner's own reason when it wrote a result", () => {
    const plain = pod({ phase: 'Failed', state: { terminated: { exitCode: 3, reason: 'Error' } } });
    expect(explainFailure(job([{ reason: 'PodFailurePolicy' }]), [plain])?.message).toBe(
      'agent exited with code 3',
    );
    const withResult = pod({
      phase: 'Failed',
      state: {
        terminated: {
          exitCode: 1,
          reason: 'Error',
          message: JSON.stringify({
            ...JSON.parse(resultJson),
            outcome: 'failed',
            reason: 'push rejected: non-fast-forward',
          }),
        },
      },
    });
    expect(explainFailure(job([{ reason: 'PodFailurePolicy' }]), [withResult])?.message).toBe(
      'agent exited with code 1: push rejected: non-fast-forward',
    );
    const logTail = pod({
      phase: 'Failed',
      state: { terminated: { exitCode: 1, reason: 'Error', message: 'line 1\nfatal: repository not found' } },
    });
    expect(explainFailure(job(), [logTail])?.message).toBe(
      'agent exited with code 1: fatal: repository not found',
    );
  });

  it('start errors', () => {
    const p = pod({
      phase: 'Failed',
      state: {
        terminated: { exitCode: 128, reason: 'StartError', message: 'exec: "asdlc-agent": not found' },
      },
    });
    expect(explainFailure(job(), [p])?.message).toBe(
      'container could not start: StartError: exec: "asdlc-agent": not found',
    );
  });

  it('Forbidden names verb, resource and namespace', () => {
    const err = new KubeForbiddenError({
      user: 'system:serviceaccount:ci:launcher',
      verb: 'create',
      resource: 'jobs.batch',
      namespace: 'agent-runner-dev',
    });
    const e = explainFailure(undefined, [], { error: err });
    expect(e?.cause).toEqual({
      kind: 'Forbidden',
      user: 'system:serviceaccount:ci:launcher',
      verb: 'create',
      resource: 'jobs.batch',
      namespace: 'agent-runner-dev',
    });
    expect(e?.message).toBe(
      'forbidden: "system:serviceaccount:ci:launcher" cannot create jobs.batch in agent-runner-dev',
    );
  });

  it('nothing wrong → undefined', () => {
    expect(
      explainFailure(job([{ type: 'Complete', reason: 'CompletionsReached' }]), [pod()]),
    ).toBeUndefined();
    expect(explainFailure(job(), [])).toBeUndefined();
  });

  it('formatFailure covers every kind', () => {
    const all: Record<FailureKind, FailureCause> = {
      ImagePull: { kind: 'ImagePull', image: 'i', waitingReason: 'ErrImagePull', detail: '' },
      CreateContainerConfig: { kind: 'CreateContainerConfig', detail: 'd' },
      OOMKilled: { kind: 'OOMKilled' },
      DeadlineExceeded: { kind: 'DeadlineExceeded' },
      Evicted: { kind: 'Evicted', detail: 'd' },
      BackoffLimitExceeded: { kind: 'BackoffLimitExceeded' },
      PodFailurePolicy: { kind: 'PodFailurePolicy', detail: 'd' },
      ExitCode: { kind: 'ExitCode', exitCode: 2 },
      StartError: { kind: 'StartError', detail: 'd' },
      Forbidden: { kind: 'Forbidden', verb: 'delete', resource: 'jobs.batch', namespace: 'n' },
      Deleted: { kind: 'Deleted' },
      Unknown: { kind: 'Unknown', detail: 'something' },
    };
    for (const cause of Object.values(all)) expect(formatFailure(cause).length).toBeGreaterThan(5);
    expect(formatFailure(all.DeadlineExceeded)).toBe("timed out (the Job's activeDeadlineSeconds)");
    expect(formatFailure(all.Forbidden)).toBe('forbidden: the current user cannot delete jobs.batch in n');
  });
});

describe('deriveTaskStatus', () => {
  it('queued → scheduled → pulling → running → succeeded with the result', () => {
    expect(deriveTaskStatus(job(), []).state).toBe('queued');
    expect(deriveTaskStatus(job(), [pod({ phase: 'Pending', noStatus: true })]).state).toBe('queued');
    expect(
      deriveTaskStatus(job(), [
        pod({ phase: 'Pending', noStatus: true, conditions: [{ type: 'PodScheduled' }], nodeName: 'n1' }),
      ]).state,
    ).toBe('scheduled');
    expect(
      deriveTaskStatus(job(), [
        pod({ phase: 'Pending', nodeName: 'n1', state: { waiting: { reason: 'ContainerCreating' } } }),
      ]).state,
    ).toBe('pulling');
    expect(deriveTaskStatus(job(), [pod()]).state).toBe('running');
    const done = deriveTaskStatus(
      job([
        {
          type: 'Complete',
          reason: 'CompletionsReached',
          lastTransitionTime: new Date('2026-01-01T00:10:00Z'),
        },
      ]),
      [
        pod({
          phase: 'Succeeded',
          state: { terminated: { exitCode: 0, reason: 'Completed', message: resultJson } },
        }),
      ],
    );
    expect(done).toMatchObject({
      task: 'T001',
      job: 'asdlc-r1-t001',
      state: 'succeeded',
      branch: 'feat-T001',
      sha: 'bbb',
      title: 'Title',
      finishedAt: '2026-01-01T00:10:00.000Z',
      result: { outcome: 'succeeded', pushed: true, filesChanged: ['src/a.ts'] },
    });
    expect(done.reason).toBeUndefined();
  });

  it('timed out, failed and stuck states carry readable reasons', () => {
    const timedOut = deriveTaskStatus(job([{ reason: 'DeadlineExceeded' }]), [pod({ phase: 'Failed' })]);
    expect(timedOut).toMatchObject({
      state: 'timed-out',
      reason: "timed out after 2h10m (the Job's activeDeadlineSeconds)",
    });
    const stuck = deriveTaskStatus(job(), [
      pod({ phase: 'Pending', state: { waiting: { reason: 'ErrImagePull', message: 'not found' } } }),
    ]);
    expect(stuck.state).toBe('failed');
    expect(stuck.reason).toContain('cannot pull image ghcr.io/example/agent:1.0 (ErrImagePull)');
    const runnerTimeout = deriveTaskStatus(job([{ reason: 'PodFailurePolicy' }]), [
      pod({
        phase: 'Failed',
        state: {
          terminated: {
            exitCode: 1,
            message: JSON.stringify({
              ...JSON.parse(resultJson),
              outcome: 'timed-out',
              reason: 'task timeout 2h',
            }),
          },
        },
      }),
    ]);
    expect(runnerTimeout.state).toBe('timed-out');
    expect(deriveTaskStatus(undefined, []).reason).toContain('deleted');
  });
});

describe('parseRunnerResult', () => {
  it('parses JSON and ASDLC_RESULT lines, rejects anything else', () => {
    expect(parseRunnerResult(resultJson)?.sha).toBe('bbb');
    expect(parseRunnerResult(`log\nASDLC_RESULT ${resultJson}\n`)?.branch).toBe('feat-T001');
    expect(parseRunnerResult('not json')).toBeUndefined();
    expect(parseRunnerResult('{"task":"T1","outcome":"weird"}')).toBeUndefined();
    expect(parseRunnerResult(undefined)).toBeUndefined();
  });
});

describe('formatSeconds', () => {
  it('renders h/m/s', () => {
    expect(formatSeconds(7800)).toBe('2h10m');
    expect(formatSeconds(7200)).toBe('2h');
    expect(formatSeconds(90)).toBe('1m30s');
    expect(formatSeconds(0)).toBe('0s');
  });
});
