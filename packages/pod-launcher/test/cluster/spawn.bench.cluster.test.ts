// Benchmark (opt-in: ASDLC_BENCH=1, run by `pnpm bench`): spawn 50 Jobs on the loopback cluster with
// launchJobs, against creating them one by one — sequential API calls, and one `kubectl create` process per
// Job (the seed's shell path; measured on 10 and scaled to 50).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { kubeconfigPath, withNamespace } from '@agentic-sdlc/kube-local/testing';
import { parseRunnerProfile } from '@agentic-sdlc/secrets-config';
import * as k8s from '@kubernetes/client-node';
import { expect, test } from 'vitest';
import { buildTaskJob, launchJobs } from '../../src/index.js';

const enabled = process.env.ASDLC_BENCH === '1';
const ns = withNamespace('pod-launcher-bench');

const profile = parseRunnerProfile({
  image: 'registry.invalid/asdlc-agent:1.0.0',
  serviceAccountName: 'default',
  secretName: 'runner-secrets',
  model: 'anthropic/claude-sonnet-4',
  gitAuth: { mode: 'workloadIdentity' },
});

function jobsFor(runId: string, n: number) {
  return Array.from({ length: n }, (_, i) =>
    buildTaskJob({
      profile,
      namespace: ns.name,
      runId,
      task: { id: `T${String(i).padStart(3, '0')}`, title: `bench ${i}` },
      feature: 'bench',
      repoUrl: 'https://git.invalid/x.git',
      baseBranch: 'main',
      tasksFile: 'specs/bench/tasks.md',
      branch: `main-T${i}`,
      podAnnotations: { 'kwok.agentic-sdlc.dev/outcome': 'hang' },
    }),
  );
}

test.skipIf(!enabled)(
  'spawn 50 Jobs: launchJobs vs one by one',
  async () => {
    const N = 50;
    const t0 = performance.now();
    const pooled = await launchJobs({ kc: ns.kc, jobs: jobsFor('bench-pool', N), concurrency: 16 });
    const poolMs = performance.now() - t0;
    expect(pooled.created).toHaveLength(N);

    const batch = ns.kc.makeApiClient(k8s.BatchV1Api);
    const t1 = performance.now();
    for (const job of jobsFor('bench-seq', N))
      await batch.createNamespacedJob({ namespace: ns.name, body: job });
    const seqMs = performance.now() - t1;

    const kubectl = join(homedir(), '.cache/agentic-sdlc/kube-1.34.4/bin/kubectl');
    let kubectlMs: number | undefined;
    if (existsSync(kubectl)) {
      const sample = jobsFor('bench-kubectl', 10);
      const t2 = performance.now();
      for (const job of sample) {
        const res = spawnSync(
          kubectl,
          ['--kubeconfig', kubeconfigPath(), 'create', '-f', '-', '-o', 'name'],
          {
            input: JSON.stringify(job),
            encoding: 'utf8',
          },
        );
        expect(res.status, res.stderr).toBe(0);
      }
      kubectlMs = ((performance.now() - t2) / sample.length) * N;
    }
    const figures = {
      jobs: N,
      launchJobsMs: Math.round(poolMs),
      sequentialApiMs: Math.round(seqMs),
      kubectlPerJobMs: kubectlMs === undefined ? null : Math.round(kubectlMs),
      ratioVsSequentialApi: Number((seqMs / poolMs).toFixed(1)),
      ratioVsKubectl: kubectlMs === undefined ? null : Number((kubectlMs / poolMs).toFixed(1)),
    };
    console.log(`[bench] spawn ${JSON.stringify(figures)}`);
    expect(poolMs).toBeLessThan(2_000);
  },
  180_000,
);
