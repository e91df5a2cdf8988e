import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// `pnpm test:e2e`: tests named `*.e2e.test.ts` (here and in tools/agent-image) against the loopback control
// plane with a REAL node (kubelet + containerd), started once by the global setup. Files run one after the
// other: the node has 2 CPUs and each agent pod requests half of one.
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['tools/e2e/test/**/*.e2e.test.ts', 'tools/agent-image/test/**/*.e2e.test.ts'],
    globalSetup: [fileURLToPath(new URL('./src/global-setup.ts', import.meta.url))],
    env: { KUBE_LOCAL_REAL_NODE: '1' },
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 600_000,
    pool: 'threads',
  },
});
