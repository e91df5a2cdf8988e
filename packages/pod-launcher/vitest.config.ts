import { defineProject } from 'vitest/config';

// Unit tests only: cluster tests (test/cluster/*.cluster.test.ts) run with vitest.cluster.config.ts.
export default defineProject({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['test/cluster/**', '**/*.cluster.test.ts', '**/node_modules/**'],
    testTimeout: 30_000,
  },
});
