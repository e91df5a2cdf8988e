// Benchmark: parseTasks on a generated 10,000-task tasks.md vs a plain line-by-line regex scan.
// Run after `pnpm --filter @agentic-sdlc/tasks-parser build`: `node bench/parse.bench.mjs [tasks] [runs]`.
import { parseTasks } from '../dist/index.js';
import { generate } from './generate.mjs';

const TASKS = Number(process.argv[2] ?? 10_000);
const RUNS = Number(process.argv[3] ?? 7);
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
