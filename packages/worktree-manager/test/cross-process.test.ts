import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupTempDirs, git, makeRepo } from './_helpers.js';

const pkg = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Inside the package so the compiled modules resolve simple-git and p-retry from its node_modules.
const outDir = path.join(pkg, 'node_modules', '.cache', `xproc-${process.pid}`);

/** Transpile src/*.ts (not tests) to plain ESM for child processes: the library as built, without a build. */
function transpileLibrary(): string {
  mkdirSync(outDir, { recursive: true });
  const srcDir = path.join(pkg, 'src');
  for (const file of readdirSync(srcDir)) {
    if (!file.endsWith('.ts') || file.endsWith('.test.ts')) continue;
    const { outputText } = ts.transpileModule(readFileSync(path.join(srcDir, file), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    writeFileSync(path.join(outDir, file.replace(/\.ts$/, '.js')), outputText);
  }
  writeFileSync(path.join(outDir, 'package.json'), '{"type":"module"}');
  const child = path.join(outDir, 'child.mjs');
  writeFileSync(
    child,
    `import { createTaskWorktree } from './index.js';
const [repo, worker, perWorker, startAt] = process.argv.slice(2);
while (Date.now() < Number(startAt)) await new Promise((r) => setTimeout(r, 5));
const ids = Array.from({ length: Number(perWorker) }, (_, i) => 'T' + worker + String(i).padStart(2, '0'));
const settled = await Promise.allSettled(
  ids.map((taskId) => createTaskWorktree({ repo, baseRef: 'main', taskId, feature: '042-calendar-sync' })),
);
const out = settled.map((s) => (s.status === 'fulfilled' ? s.value : { error: String(s.reason?.stack ?? s.reason) }));
process.stdout.write(JSON.stringify(out));
`,
  );
  return child;
}

function run(
  script: string,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let child = '';
beforeAll(() => {
  child = transpileLibrary();
});
afterAll(() => {
  rmSync(outDir, { recursive: true, force: true });
  cleanupTempDirs();
});

describe('cross-process', () => {
  it('8 processes creating worktrees at once on one repository all succeed', async () => {
    const repo = makeRepo({ branch: '042-calendar-sync' });
    git(repo, 'checkout', '-q', 'main');
    const workers = 8;
    const perWorker = 3;
    const startAt = Date.now() + 1500;
    const results = await Promise.all(
      Array.from({ length: workers }, (_, w) =>
        run(child, [repo, String(w + 1), String(perWorker), String(startAt)]),
      ),
    );
    const created: Array<{ path: string; branch: string; error?: string }> = [];
    for (const r of results) {
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      created.push(...JSON.parse(r.stdout));
    }
    expect(created.filter((c) => c.error)).toEqual([]);
    expect(new Set(created.map((c) => c.branch)).size).toBe(workers * perWorker);
    for (const c of created) expect(git(c.path, 'status', '--porcelain')).toBe('');
    expect(git(repo, 'worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(
      workers * perWorker + 1,
    );
    const exclude = readFileSync(path.join(repo, '.git', 'info', 'exclude'), 'utf8');
    expect(exclude.split('\n').filter((l) => l === '/.agentic-sdlc/')).toHaveLength(1);
    expect(git(repo, 'status', '--porcelain', '--untracked-files=all')).toBe('');
  });
});
