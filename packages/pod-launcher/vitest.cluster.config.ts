import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Cluster tests of this package only, against tools/kube-local's loopback cluster (reused when running,
// else started and stopped by its global setup): `pnpm exec vitest run -c vitest.cluster.config.ts`.
// The repo-wide `pnpm test:cluster` picks the same files up through their `*.cluster.test.ts` names.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['test/cluster/**/*.cluster.test.ts'],
    globalSetup: [fileURLToPath(new URL('../../tools/kube-local/src/global-setup.ts', import.meta.url))],
    testTimeout: 90_000,
    hookTimeout: 120_000,
    pool: 'threads',
    fileParallelism: false,
  },
});
