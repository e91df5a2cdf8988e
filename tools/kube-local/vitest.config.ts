import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// `pnpm test:cluster`: this package's tests plus every `*.cluster.test.ts` in packages/ and apps/, against
// the loopback cluster (started once by the global setup). Unit configs should exclude `*.cluster.test.ts`.
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['tools/kube-local/test/**/*.test.ts', '{packages,apps}/*/test/**/*.cluster.test.ts'],
    globalSetup: [fileURLToPath(new URL('./src/global-setup.ts', import.meta.url))],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Worker threads end promptly even with client-node's keep-alive sockets still open (forks time out).
    pool: 'threads',
  },
});
