// Runner overhead per task, excluding the agent's own time: prompt build + commit + push to a local bare
// remote (plus worktree create/remove, reported separately). Target: < 500 ms. Needs `pnpm build`.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runTask } from '../dist/index.js';

const N = Number(process.env.BENCH_TASKS ?? 8);
const dir = mkdtempSync(join(tmpdir(), 'asdlc-agent-bench-'));
const repo = join(dir, 'repo');
const remote = join(dir, 'remote.git');
const g = (cwd, ...args) =>
  execFileSync('git', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    .toString()
    .trim();
const feature = '042-bench';
const tasks = Array.from(
  { length: N },
  (_, i) =>
    `- [ ] T${String(i + 1).padStart(3, '0')} [P] [ASYNC] Implement part ${i + 1} in src/p${i + 1}.ts`,
);
mkdirSync(join(repo, 'specs', feature), { recursive: true });
writeFileSync(
  join(repo, 'specs', feature, 'tasks.md'),
  `# Tasks\n\n## Phase 3: User Story 1 - Bench\n\n${tasks.join('\n')}\n`,
);
writeFileSync(
  join(repo, 'specs', feature, 'spec.md'),
  `# Spec\n\n${'Lorem ipsum dolor sit amet. '.repeat(400)}\n`,
);
writeFileSync(join(repo, 'specs', feature, 'plan.md'), '# Plan\n');
g(dir, 'init', '-q', '--bare', remote);
g(dir, 'init', '-q', '-b', feature, repo);
g(repo, '-c', 'user.name=b', '-c', 'user.email=b@b', 'add', '.');
g(repo, '-c', 'user.name=b', '-c', 'user.email=b@b', 'commit', '-qm', 'init');
g(repo, 'remote', 'add', 'origin', remote);
g(repo, 'push', '-q', 'origin', feature);

const rows = [];
for (let i = 1; i <= N; i++) {
  const id = `T${String(i).padStart(3, '0')}`;
  let timings = '';
  const { result } = await runTask(
    {
      repo,
      task: id,
      agentCmd: `mkdir -p src && echo "export const p = ${i};" > src/p${i}.ts`,
      run: 'bench',
    },
    {
      log: () => {},
      warn: (l) => {
        if (l.startsWith('timings: ')) timings = l.slice(9);
      },
    },
  );
  if (result.outcome !== 'succeeded') throw new Error(`${id}: ${result.outcome}: ${result.reason}`);
  const t = Object.fromEntries(
    timings.split(', ').map((p) => {
      const [k, v] = p.split(' ');
      return [k, Number.parseInt(v, 10)];
    }),
  );
  rows.push({
    total: result.durationMs,
    agent: t.agent ?? 0,
    overhead: result.durationMs - (t.agent ?? 0),
    promptCommitPush: (t.prompt ?? 0) + (t.commit ?? 0) + (t.push ?? 0),
    ...t,
  });
}
const median = (k) => rows.map((r) => r[k]).sort((a, b) => a - b)[Math.floor(rows.length / 2)];
console.table(rows);
const pcp = median('promptCommitPush');
console.log(
  `median per task: total ${median('total')} ms, agent ${median('agent')} ms, runner overhead ${median('overhead')} ms (worktree ${median('worktree')} ms, prompt+commit+push ${pcp} ms, cleanup ${median('cleanup')} ms)`,
);
console.log(`prompt build + commit + push: ${pcp} ms — target < 500 ms: ${pcp < 500 ? 'OK' : 'MISSED'}`);
