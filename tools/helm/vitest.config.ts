import { defineProject } from 'vitest/config';

// Run by `pnpm test:chart` (root), after tools/helm/install.sh has built the pinned helm.
// Not part of the root `vitest` projects: these tests need helm and the Go module proxy.
export default defineProject({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 600_000,
    // Schemas and renders are computed once per file; keep files sequential on a shared 2-core box.
    fileParallelism: false,
  },
});
