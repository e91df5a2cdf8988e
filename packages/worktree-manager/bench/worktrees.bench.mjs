// 20 task worktrees on a fresh repository: created in parallel (target < 3 s) vs. sequentially (baseline).
// Run after a build: `pnpm --filter @agentic-sdlc/worktree-manager bench` (the root `pnpm bench` builds first).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createTaskWorktree } from '../dist/index.js';

const COUNT = Number(process.env.BENCH_WORKTREES ?? 20);
const TARGET_MS = 3000;
const FEATURE = '042-calendar-sync';
const env = {
  ...process.env,
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Bench',
  GIT_AUTHOR_EMAIL: 'bench@example.test',
  GIT_COMMITTER_NAME: 'Bench',
  GIT_COMMITTER_EMAIL: 'bench@example.test',
};
// The library's own git processes see the same isolated configuration.
Object.assign(process.env, env);

const root = mkdtempSync(path.join(tmpdir(), 'wtm-bench-'));
const git = (cwd, ...args) => execFileSync('git', args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });

/** A small project: 10 directories × 20 files, one commit, on the feature branch. */
function freshRepo(name) {
  const repo = path.join(root, name);
  for (let d = 0; d < 10; d++) {
    mkdirSync(path.join(repo, 'src', `mod${d}`), { recursive: true });
    for (let f = 0; f < 20; f++) {
      writeFileSync(
        path.join(repo, 'src', `mod${d}`, `file${f}.ts`),
        `export const v${f} = ${d * 100 + f};\n`.repeat(20),
      );
    }
  }
  writeFileSync(path.join(repo, 'README.md'), '# bench\n');
  git(repo, 'init', '-q', '-b', FEATURE);
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'init');
  return repo;
}

const ids = Array.from({ length: COUNT }, (_, i) => `T${String(i + 1).padStart(3, '0')}`);
const create = (repo, taskId) => createTaskWorktree({ repo, baseRef: FEATURE, taskId, feature: FEATURE });

try {
  // Warm-up (module loading, git binary in page cache).
  const warm = freshRepo('warm');
  await create(warm, 'T000');

  const parallelRepo = freshRepo('parallel');
  let t0 = performance.now();
  await Promise.all(ids.map((id) => create(parallelRepo, id)));
  const parallelMs = performance.now() - t0;

  const sequentialRepo = freshRepo('sequential');
  t0 = performance.now();
  for (const id of ids) await create(sequentialRepo, id);
  const sequentialMs = performance.now() - t0;

  const ratio = sequentialMs / parallelMs;
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  console.log(
    `worktree-manager bench: ${COUNT} worktrees, 201 files each (${cpus().length} CPUs, load ${load})`,
  );
  console.log(
    `  parallel:   ${parallelMs.toFixed(0)} ms  (target < ${TARGET_MS} ms: ${parallelMs < TARGET_MS ? 'met' : 'NOT met'})`,
  );
  console.log(`  sequential: ${sequentialMs.toFixed(0)} ms  (baseline)`);
  console.log(
    `  speed-up:   ${ratio.toFixed(2)}x  (${(parallelMs / COUNT).toFixed(0)} ms/worktree in parallel)`,
  );
} finally {
  rmSync(root, { recursive: true, force: true });
}
