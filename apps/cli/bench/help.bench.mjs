// `asdlc --help` wall time (target < 250 ms), against `node -e ""` (the floor: Node's own start-up) in the same run.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const RUNS = 15;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function time(args) {
  const samples = [];
  for (let i = 0; i < RUNS; i++) {
    const start = process.hrtime.bigint();
    const res = spawnSync(process.execPath, args, { stdio: 'ignore' });
    if (res.status !== 0) throw new Error(`${args.join(' ')} exited ${res.status}`);
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return median(samples);
}

const baseline = time(['-e', '']);
const help = time([bin, '--help']);
const version = time([bin, '--version']);
console.log(
  `asdlc --help     median ${help.toFixed(1)} ms over ${RUNS} runs (target < 250 ms) — ${(help / baseline).toFixed(2)}× node -e ""`,
);
console.log(
  `asdlc --version  median ${version.toFixed(1)} ms — ${(version / baseline).toFixed(2)}× node -e ""`,
);
console.log(`node -e ""       median ${baseline.toFixed(1)} ms (baseline)`);
