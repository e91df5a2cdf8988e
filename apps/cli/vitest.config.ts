import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Cluster tests run with `pnpm test:cluster` (tools/kube-local's config), not in the unit run.
    exclude: ['**/node_modules/**', '**/*.cluster.test.ts'],
    testTimeout: 30_000,
  },
});
