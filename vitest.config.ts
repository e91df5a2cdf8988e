import { defineConfig } from 'vitest/config';

// One root config; every package and app is a project. `source` resolves workspace packages to src/.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    projects: ['packages/*', 'apps/*', 'tools/scripted-model', 'tools/git-server'],
  },
});
