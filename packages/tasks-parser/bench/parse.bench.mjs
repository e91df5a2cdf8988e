// Benchmark: parseTasks on a generated 10,000-task tasks.md vs a plain line-by-line regex scan.
// Run after `pnpm --filter @agentic-sdlc/tasks-parser build`: `node bench/parse.bench.mjs [tasks] [runs]`.
import { parseTasks } from '../dist/index.js';

const TASKS = Number(process.argv[2] ?? 10_000);
const RUNS = Number(process.argv[3] ?? 7);
const PER_PHASE = 100;

/** A realistic upstream/fork-style file: setup, foundational, story phases, polish; sub-headings,
 * checkpoints, markers in several orders, sub-bullets with dependencies, a code fence per phase. */
export function generate(total) {
  const out = ['# Tasks: Benchmark feature', '', '**Input**: Design documents from `/specs/001-bench/`', ''];
  const phases = Math.ceil(total / PER_PHASE);
  let n = 0;
  for (let p = 1; p <= phases; p++) {
    const title =
      p === 1
        ? 'Setup (Shared Infrastructure)'
        : p === 2
          ? 'Foundational (Blocking Prerequisites)'
          : p === phases
            ? 'Polish & Cross-Cutting Concerns'
            : `User Story ${p - 2} - Feature ${p - 2} (Priority: P${1 + (p % 3)})${p === 3 ? ' 🎯 MVP' : ''}`;
    out.push(`## Phase ${p}: ${title}`, '', '**Purpose**: generated', '', '### Implementation', '');
    for (let i = 0; i < PER_PHASE && n < total; i++) {
      n++;
      const id = `T${String(n).padStart(5, '0')}`;
      const state = n % 7 === 0 ? 'X' : ' ';
      const par = n % 3 === 0 ? ' [P]' : '';
      const mode = n % 2 === 0 ? ' [ASYNC]' : ' [SYNC]';
      const story = p > 2 && p < phases ? ` [US${p - 2}]` : '';
      const dep = n % 10 === 5 && n > 1 ? ` (depends on T${String(n - 1).padStart(5, '0')})` : '';
      out.push(
        `- [${state}] ${id}${par}${mode}${story} Implement component ${n} in \`src/module${p}/file${n}.ts\`${dep}`,
      );
      if (n % 25 === 0)
        out.push(`  - Dependency: T${String(n - 2).padStart(5, '0')}`, '  - Notes: keep it small');
    }
    out.push(
      '',
      '```bash',
      `# Launch together:`,
      `Task: "T${String(n).padStart(5, '0')} example"`,
      '```',
      '',
    );
    out.push(`**Checkpoint**: phase ${p} complete`, '', '---', '');
  }
  return out.join('\n');
}

function regexScan(text) {
  const re = /^\s*[-*+]\s+\[([ xX~-])\]\s+\**(T\d+)/;
  const found = [];
  for (const line of text.split(/\r?\n/)) {
    const m = re.exec(line);
    if (m !== null) found.push(m[2]);
  }
  return found;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(fn) {
  const t0 = performance.now();
  const r = fn();
  return [performance.now() - t0, r];
}

const text = generate(TASKS);
// Warm-up (JIT) on both paths.
parseTasks(text);
regexScan(text);
const parseMs = [];
const scanMs = [];
let graph;
let ids;
for (let r = 0; r < RUNS; r++) {
  const [a, g] = time(() => parseTasks(text));
  const [b, s] = time(() => regexScan(text));
  parseMs.push(a);
  scanMs.push(b);
  graph = g;
  ids = s;
}
const p = median(parseMs);
const s = median(scanMs);
if (graph.tasks.length !== TASKS || ids.length !== TASKS) {
  console.error(
    `expected ${TASKS} tasks, parseTasks found ${graph.tasks.length}, regex scan found ${ids.length}`,
  );
  process.exit(1);
}
console.log(
  `tasks.md: ${TASKS} tasks, ${graph.phases.length} phases, ${(text.length / 1024).toFixed(0)} KiB, ${RUNS} runs`,
);
console.log(
  `parseTasks   median ${p.toFixed(1)} ms  (min ${Math.min(...parseMs).toFixed(1)}, max ${Math.max(...parseMs).toFixed(1)})`,
);
console.log(`regex scan   median ${s.toFixed(2)} ms`);
console.log(`ratio        ${(p / s).toFixed(1)}× (cost of the real markdown parser + graph)`);
console.log(`target       < 200 ms: ${p < 200 ? 'met' : 'NOT met'}`);
