import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// `pnpm --filter @agentic-sdlc/agent-image test:e2e`: builds the images (or takes them from the cache) and checks
// the built image against docker/agent/Dockerfile. Needs root. Not part of `pnpm test`.
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['tools/agent-image/test/**/*.e2e.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 30 * 60_000,
    pool: 'forks',
  },
});
