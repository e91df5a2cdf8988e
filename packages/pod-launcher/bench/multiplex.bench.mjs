// Benchmark (opt-in: ASDLC_BENCH=1, run by `pnpm bench:multiplex` after `pnpm build`): multiplex N followed pod
// logs × R lines/s for S seconds through the apiserver. Figures: lines lost / duplicated per pod (by sequence
// number), added latency (receive time − write time, p50/p99), peak RSS of the following process.
//
// - Starts its OWN tools/kube-local instance (ports 29xxx, a temp state dir; never the default one) and stops it
//   with down.sh at the end, whatever happens.
// - Jobs are built with buildTaskJob and created with launchJobs; kwok keeps their pods Running (podFate hang).
// - This process is the writer: it appends lines to each pod's log file with appendPodLog (kwok serves them through
//   the apiserver). Every line carries its task, a sequence number and its write time (CLOCK_MONOTONIC, µs).
// - The measured process is a child ("the CLI"): watchRun + one followTaskLogs per task (the options `asdlc run`
//   uses) into one LogMultiplexer, renderJson to /dev/null. It records latency in a histogram (0.1 ms buckets)
//   and sequence numbers in a bitmap per task; it samples its RSS every 100 ms and reads VmHWM at the end.
// - Phases: the full scale through the apiserver; a baseline with the same pipeline reading the same kind of files
//   directly (no apiserver, no kwok); smaller scales through the apiserver (see BENCH_SMALL).
//
// Env knobs: BENCH_PODS (50), BENCH_RATE (lines/s per pod, 1000), BENCH_SECONDS (30), BENCH_BASELINE_SECONDS
// (10), BENCH_SMALL ("50x500x10,50x200x10,10x1000x10": pods x rate x seconds, "" for none), BENCH_DRAIN_SECONDS (10),
// BENCH_MAX_SECONDS (180: then it stops, cleans up and fails), BENCH_PORT_BASE (29000: apiserver 29443,
// etcd 29379/29380, kcm 29257, scheduler 29259, kwok 29250).
// Exit code: 1 when a line was lost or duplicated (or the bench failed); the latency/RSS targets are reported.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdirSync, readFileSync, watch, writeFileSync } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const TARGET = { p99Ms: 50, rssMb: 150 };
const PAD = 'x'.repeat(80); // ~150-byte CRI lines, a typical agent log line
const TICK_MS = 20;
const HIST_BUCKET_US = 100; // 0.1 ms
const HIST_BUCKETS = 100_000; // up to 10 s, then one overflow bucket

const nowUs = () => Number(process.hrtime.bigint() / 1000n); // CLOCK_MONOTONIC: comparable across processes
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const mb = (bytes) => Math.round((bytes / 1024 / 1024) * 10) / 10;
const round1 = (x) => Math.round(x * 10) / 10;

// --- measured process ------------------------------------------------------------------------------------------

function newStats(tasks) {
  return {
    index: new Map(tasks.map((t, i) => [t, i])),
    bits: tasks.map(() => new Uint8Array(4096)),
    distinct: new Uint32Array(tasks.length),
    received: new Uint32Array(tasks.length),
    maxSeq: new Int32Array(tasks.length).fill(-1),
    outOfOrder: 0,
    unparsed: 0,
    hist: new Uint32Array(HIST_BUCKETS + 1),
    count: 0,
    sumUs: 0,
    maxUs: 0,
    // mean latency per 5-s window of receive time (shows whether the follower keeps up or falls behind)
    windows: [],
  };
}

function recordLine(stats, task, line, recvUs, startUs) {
  const i = stats.index.get(task);
  const s = line.indexOf(' seq=');
  const w = line.indexOf(' w=', s + 5);
  const e = line.indexOf(' ', w + 3);
  if (i === undefined || s < 0 || w < 0 || e < 0) {
    stats.unparsed++;
    return;
  }
  const seq = Number(line.slice(s + 5, w));
  const wroteUs = Number(line.slice(w + 3, e));
  stats.received[i]++;
  let bits = stats.bits[i];
  if (seq >> 3 >= bits.length) {
    const grown = new Uint8Array(Math.max(bits.length * 2, (seq >> 3) + 1));
    grown.set(bits);
    stats.bits[i] = bits = grown;
  }
  const mask = 1 << (seq & 7);
  if ((bits[seq >> 3] & mask) === 0) {
    bits[seq >> 3] |= mask;
    stats.distinct[i]++;
  }
  if (seq < stats.maxSeq[i]) stats.outOfOrder++;
  else stats.maxSeq[i] = seq;
  if (seq === 0) return; // the line that opens each stream, written before the clock starts
  const lat = Math.max(0, recvUs - wroteUs);
  stats.hist[Math.min(HIST_BUCKETS, Math.floor(lat / HIST_BUCKET_US))]++;
  stats.count++;
  stats.sumUs += lat;
  if (lat > stats.maxUs) stats.maxUs = lat;
  const win = Math.floor((recvUs - startUs) / 5e6);
  if (win >= 0 && win < 200) {
    stats.windows[win] ??= { n: 0, sumUs: 0 };
    stats.windows[win].n++;
    stats.windows[win].sumUs += lat;
  }
}

function percentileMs(stats, p) {
  if (stats.count === 0) return null;
  const rank = Math.ceil((p / 100) * stats.count);
  let acc = 0;
  for (let b = 0; b <= HIST_BUCKETS; b++) {
    acc += stats.hist[b];
    if (acc >= rank)
      return b === HIST_BUCKETS ? round1(stats.maxUs / 1000) : round1(((b + 1) * HIST_BUCKET_US) / 1000);
  }
  return null;
}

/** Lines of a direct file follower: the same LineSplitter as followTaskLogs, CRI prefix stripped. */
async function* fileSource(path, signal, LineSplitter) {
  const fh = await open(path, 'r');
  const buf = Buffer.alloc(256 * 1024);
  const splitter = new LineSplitter();
  let wake;
  const watcher = watch(path, () => wake?.());
  let pos = 0;
  try {
    while (!signal.aborted) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      if (bytesRead > 0) {
        pos += bytesRead;
        for (const raw of splitter.push(buf.subarray(0, bytesRead))) {
          const a = raw.indexOf(' ');
          const b = raw.indexOf(' ', a + 1);
          const c = raw.indexOf(' ', b + 1);
          yield { line: raw.slice(c + 1), ts: raw.slice(0, a), stream: 'stdout' };
        }
        continue;
      }
      // wait for inotify (fs.watch), at most 100 ms (poll fallback)
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, 100);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  } finally {
    watcher.close();
    await fh.close();
  }
}

async function follower() {
  const send = (msg) => process.send?.(msg);
  const [cfg] = await once(process, 'message');
  const { LogMultiplexer, renderJson } = await import('@agentic-sdlc/log-multiplexer');
  const { followTaskLogs, loadKubeConfig, watchRun, taskJobName, LineSplitter } = await import(
    '@agentic-sdlc/pod-launcher'
  );
  let peakRss = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage.rss());
  }, 100);
  const idleRss = process.memoryUsage.rss();
  const stats = newStats(cfg.tasks);
  // one AbortController per task, as `asdlc run` does (50 followers on one signal would exceed its listener limit)
  const aborts = cfg.tasks.map(() => new AbortController());
  const errors = [];
  let reconnects = 0;
  const mux = new LogMultiplexer({ redact: [] });
  let watch;
  if (cfg.mode === 'api') {
    const kc = loadKubeConfig({ kubeconfig: cfg.kubeconfig });
    watch = await watchRun({ kc, namespace: cfg.namespace, runId: cfg.runId, onEvent: () => {} });
    for (const [i, task] of cfg.tasks.entries()) {
      const source = followTaskLogs({
        kc,
        namespace: cfg.namespace,
        runId: cfg.runId,
        task,
        signal: aborts[i].signal,
        findPod: async () => watch.pod(task),
        statusCheckMs: 1000,
        retryMaxMs: 4000,
        maxRetries: 30,
        onReconnect: () => {
          reconnects++;
        },
      });
      mux.addSource(task, source, taskJobName(cfg.runId, task)).catch((e) => errors.push(`${task}: ${e}`));
    }
  } else {
    for (const [i, task] of cfg.tasks.entries()) {
      mux
        .addSource(task, fileSource(cfg.files[i], aborts[i].signal, LineSplitter), task)
        .catch((e) => errors.push(`${task}: ${e}`));
    }
  }
  mux.close();

  const sink = createWriteStream('/dev/null');
  let bytes = 0;
  let startUs = nowUs();
  let lastSeq;
  let completeTasks = 0;
  let readySent = false;
  let lastRecvUs = 0;
  let finishing = false;
  const finish = (reason) => {
    if (finishing) return;
    finishing = true;
    clearInterval(sampler);
    for (const a of aborts) a.abort();
    const status = readFileSync('/proc/self/status', 'utf8');
    const vmHwmKb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
    const perTask = cfg.tasks.map((t, i) => {
      const expected = lastSeq ? lastSeq[t] + 1 : 0; // seq 0 … lastSeq
      return {
        task: t,
        expected,
        distinct: stats.distinct[i],
        duplicated: stats.received[i] - stats.distinct[i],
        // lost = a gap below the highest sequence number received; undelivered = never reached the follower
        lost: stats.maxSeq[i] + 1 - stats.distinct[i],
        undelivered: Math.max(0, expected - 1 - stats.maxSeq[i]),
      };
    });
    const sum = (k) => perTask.reduce((a, r) => a + r[k], 0);
    send({
      type: 'result',
      reason,
      expected: sum('expected'),
      received: sum('distinct') + sum('duplicated'),
      lost: sum('lost'),
      duplicated: sum('duplicated'),
      undelivered: sum('undelivered'),
      tasksWithLoss: perTask.filter((r) => r.lost || r.duplicated || r.undelivered).map((r) => r.task),
      outOfOrder: stats.outOfOrder,
      unparsed: stats.unparsed,
      latencyMs: {
        p50: percentileMs(stats, 50),
        p90: percentileMs(stats, 90),
        p99: percentileMs(stats, 99),
        max: round1(stats.maxUs / 1000),
        mean: stats.count ? round1(stats.sumUs / stats.count / 1000) : null,
      },
      meanLatencyMsPer5s: stats.windows.map((w) => (w ? round1(w.sumUs / w.n / 1000) : null)),
      lastLineAfterStartMs: Math.round((lastRecvUs - startUs) / 1000),
      rss: { idleMb: mb(idleRss), peakSampledMb: mb(peakRss), vmHwmMb: round1(vmHwmKb / 1024) },
      ndjsonBytes: bytes,
      reconnects,
      errors: errors.slice(0, 5),
      cpu: process.cpuUsage(),
    });
    setTimeout(() => process.exit(0), 200).unref();
  };

  process.on('message', (msg) => {
    if (msg.type === 'start') startUs = msg.startUs;
    if (msg.type === 'end') {
      lastSeq = msg.lastSeq;
      completeTasks = cfg.tasks.filter((t, i) => stats.distinct[i] >= lastSeq[t] + 1).length;
      if (completeTasks === cfg.tasks.length) finish('complete');
      setTimeout(() => finish('drain deadline'), msg.drainMs).unref();
    }
    if (msg.type === 'stop') finish('stopped');
  });
  send({ type: 'up', idleRssMb: mb(idleRss) });

  const readyTimer = setInterval(() => {
    if (!readySent && cfg.tasks.every((_, i) => stats.distinct[i] > 0)) {
      readySent = true;
      send({ type: 'ready' });
    }
  }, 20);
  for await (const rec of mux) {
    const text = `${renderJson(rec)}\n`;
    bytes += text.length;
    if (!sink.write(text)) await once(sink, 'drain');
    if (rec.type !== 'log') continue;
    const i = stats.index.get(rec.task);
    const before = i === undefined ? 0 : stats.distinct[i];
    lastRecvUs = nowUs();
    recordLine(stats, rec.task, rec.line, lastRecvUs, startUs);
    if (
      lastSeq &&
      i !== undefined &&
      before < stats.distinct[i] &&
      stats.distinct[i] === lastSeq[rec.task] + 1
    ) {
      completeTasks++;
      if (completeTasks === cfg.tasks.length) finish('complete');
    }
    if (finishing) break;
  }
  clearInterval(readyTimer);
  await watch?.stop().catch(() => {});
  if (!finishing) finish('sources ended');
}

// --- driver -------------------------------------------------------------------------------------------------

// /proc/stat `cpu` line: user nice system idle iowait irq softirq steal (guest is already in user)
const ticks = () => {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
  return {
    total: cpu.reduce((a, b) => a + b, 0),
    idle: cpu[3] + cpu[4],
    user: cpu[0] + cpu[1],
    system: cpu[2],
    irq: cpu[5] + cpu[6],
    steal: cpu[7],
  };
};
const procTicks = (pid) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]); // utime + stime (clock ticks, 100/s)
  } catch {
    return Number.NaN;
  }
};

function runScript(script, env, timeoutMs) {
  return new Promise((resolve) => {
    const child = spawn('bash', [join(REPO, 'tools/kube-local', script)], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

function line(task, seq) {
  return `${task} seq=${seq} w=${nowUs()} ${PAD}`;
}

/**
 * Appends `rate` lines/s to every target for `seconds` (ticks of 20 ms; one appendPodLog per target per tick,
 * awaited before the next one so a file's appends never interleave). Falls behind rather than bursting: at most
 * 250 ms worth of lines per tick. Returns the last sequence number per task and the achieved rate.
 */
async function writeLoad(targets, rate, seconds, appendPodLog, onStart) {
  const seqs = new Map(targets.map((t) => [t.task, 0]));
  const startUs = nowUs();
  onStart(startUs);
  const endMs = seconds * 1000;
  const maxBatch = Math.max(1, Math.ceil(rate / 4));
  let written = 0;
  let behindTicks = 0;
  let tick = 0;
  for (let elapsed = 0; elapsed < endMs && tick < seconds * 200; tick++) {
    const due = Math.floor((rate * elapsed) / 1000) - written;
    const n = Math.min(due, maxBatch);
    if (due > maxBatch) behindTicks++;
    if (n > 0) {
      const time = new Date();
      await Promise.all(
        targets.map((t) => {
          const first = seqs.get(t.task) + 1;
          const lines = new Array(n);
          for (let k = 0; k < n; k++) lines[k] = line(t.task, first + k);
          seqs.set(t.task, first + n - 1);
          return appendPodLog(t.namespace, t.pod, 'agent', lines, { time });
        }),
      );
      written += n;
    }
    elapsed = (nowUs() - startUs) / 1000;
    const next = Math.min(endMs, (Math.floor(elapsed / TICK_MS) + 1) * TICK_MS);
    if (next > elapsed) await sleep(next - elapsed);
    elapsed = (nowUs() - startUs) / 1000;
  }
  const wallS = (nowUs() - startUs) / 1e6;
  return {
    lastSeq: Object.fromEntries(seqs),
    linesPerPod: written,
    wallS: round1(wallS),
    achievedLinesPerS: Math.round((written * targets.length) / wallS),
    targetLinesPerS: rate * targets.length,
    ticksBehind: behindTicks,
  };
}

async function runPhase(ctx, phase) {
  const { name, mode, targets, rate, seconds } = phase;
  const child = spawn(process.execPath, [SELF, '--follower'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: process.env,
  });
  ctx.children.add(child);
  const messages = [];
  let notify;
  child.on('message', (m) => {
    messages.push(m);
    notify?.();
  });
  const exited = once(child, 'exit');
  const waitMsg = async (type, timeoutMs) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = messages.find((x) => x.type === type);
      if (m) return m;
      const left = deadline - Date.now();
      if (left <= 0 || child.exitCode !== null) throw new Error(`${name}: no '${type}' from the follower`);
      await new Promise((r) => {
        notify = r;
        setTimeout(r, Math.min(left, 500));
      });
    }
  };
  try {
    child.send({
      mode,
      tasks: targets.map((t) => t.task),
      files: targets.map((t) => t.file),
      namespace: ctx.namespace,
      runId: phase.runId,
      kubeconfig: ctx.kubeconfig,
    });
    const t0 = Date.now();
    await waitMsg('up', 30_000);
    await waitMsg('ready', 60_000);
    const readyMs = Date.now() - t0;
    const pids = { ...ctx.clusterPids, follower: child.pid };
    const cpu0 = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, procTicks(p)]));
    const sys0 = ticks();
    const self0 = process.cpuUsage();
    const write = await writeLoad(targets, rate, seconds, ctx.appendPodLog, (startUs) =>
      child.send({ type: 'start', startUs }),
    );
    const sys1 = ticks();
    const self1 = process.cpuUsage(self0);
    const cpu1 = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, procTicks(p)]));
    const wallTicks = write.wallS * 100;
    const cpuPct = Object.fromEntries(
      Object.keys(pids).map((k) => [k, Math.round(((cpu1[k] - cpu0[k]) / wallTicks) * 100)]),
    );
    cpuPct.writer = Math.round(((self1.user + self1.system) / 1e4 / wallTicks) * 100);
    // the whole box in % of one core, and what the processes above do not explain (other work on the box)
    const boxBusyPct = Math.round(
      (1 - (sys1.idle - sys0.idle) / (sys1.total - sys0.total)) * availableParallelism() * 100,
    );
    cpuPct.other = boxBusyPct - Object.values(cpuPct).reduce((a, b) => a + (Number.isNaN(b) ? 0 : b), 0);
    const share = (k) =>
      Math.round(((sys1[k] - sys0[k]) / (sys1.total - sys0.total)) * availableParallelism() * 100);
    const boxBreakdown = {
      user: share('user'),
      system: share('system'),
      irq: share('irq'),
      steal: share('steal'),
    };
    child.send({ type: 'end', lastSeq: write.lastSeq, drainMs: ctx.drainMs });
    const result = await waitMsg('result', ctx.drainMs + 15_000);
    const drainMs = Math.max(0, result.lastLineAfterStartMs - write.wallS * 1000);
    delete result.type;
    delete result.cpu;
    const out = {
      phase: name,
      mode,
      pods: targets.length,
      ratePerPod: rate,
      seconds,
      followersReadyMs: readyMs,
      write,
      ...result,
      drainAfterWriterStopMs: Math.round(drainMs),
      cpuPctOfOneCoreDuringWrite: cpuPct,
      boxBusyPctOfOneCore: boxBusyPct,
      boxBreakdownPctOfOneCore: boxBreakdown,
    };
    console.log(`[bench] multiplex ${JSON.stringify(out)}`);
    return out;
  } finally {
    if (child.exitCode === null) {
      try {
        child.send({ type: 'stop' });
      } catch {
        // the IPC channel is gone: the kill below ends it
      }
      const gone = await Promise.race([exited.then(() => true), sleep(3000).then(() => false)]);
      if (!gone) child.kill('SIGKILL');
    }
    ctx.children.delete(child);
  }
}

function parseSmall(spec) {
  return spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const [pods, rate, seconds] = s.split('x').map(Number);
      if (!(pods > 0 && rate > 0 && seconds > 0)) throw new Error(`BENCH_SMALL: bad entry "${s}"`);
      return { pods, rate, seconds };
    });
}

async function driver() {
  if (process.env.ASDLC_BENCH !== '1') {
    console.log('[bench] multiplex: skipped (opt-in: ASDLC_BENCH=1, or `pnpm bench:multiplex`)');
    return 0;
  }
  const env = process.env;
  const PODS = Number(env.BENCH_PODS ?? 50);
  const RATE = Number(env.BENCH_RATE ?? 1000);
  const SECONDS = Number(env.BENCH_SECONDS ?? 30);
  const BASELINE_SECONDS = Number(env.BENCH_BASELINE_SECONDS ?? 10);
  const SMALL = parseSmall(env.BENCH_SMALL ?? '50x500x10,50x200x10,10x1000x10');
  const DRAIN_MS = Number(env.BENCH_DRAIN_SECONDS ?? 10) * 1000;
  const base = Number(env.BENCH_PORT_BASE ?? 29000);
  const maxPods = Math.max(PODS, ...SMALL.map((s) => s.pods));

  const state = await mkdtemp(join(tmpdir(), 'asdlc-mux-bench-'));
  const ports = {
    KUBE_LOCAL_APISERVER_PORT: String(base + 443),
    KUBE_LOCAL_ETCD_PORT: String(base + 379),
    KUBE_LOCAL_ETCD_PEER_PORT: String(base + 380),
    KUBE_LOCAL_KCM_PORT: String(base + 257),
    KUBE_LOCAL_SCHEDULER_PORT: String(base + 259),
    KUBE_LOCAL_KWOK_PORT: String(base + 250),
  };
  // Before the kube-local helpers run: they read the state dir (kubeconfig, kwok port, pod-logs) from the env.
  Object.assign(process.env, ports, { KUBE_LOCAL_STATE_DIR: state });
  const ctx = { children: new Set(), drainMs: DRAIN_MS };
  const t0 = Date.now();
  const say = (msg) => console.error(`[bench] ${((Date.now() - t0) / 1000).toFixed(1)}s ${msg}`);
  let exitCode = 0;
  let up = false;
  const cleanup = async () => {
    for (const c of ctx.children) if (c.exitCode === null) c.kill('SIGKILL');
    if (up) {
      const down = await runScript('down.sh', process.env, 60_000);
      if (down.code !== 0) console.error(down.out);
      up = false;
    }
    await rm(state, { recursive: true, force: true });
  };
  const onSignal = () => {
    cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const watchdog = setTimeout(
    () => {
      console.error('[bench] multiplex: over the time limit, stopping');
      cleanup().finally(() => process.exit(1));
    },
    Number(env.BENCH_MAX_SECONDS ?? 180) * 1000,
  );
  watchdog.unref();

  try {
    say(
      `starting an own kube-local instance (apiserver 127.0.0.1:${ports.KUBE_LOCAL_APISERVER_PORT}, state ${state})`,
    );
    up = true; // down.sh stops exactly what up.sh recorded, also after a partial start
    const res = await runScript('up.sh', process.env, 150_000);
    if (res.code !== 0) throw new Error(`kube-local up.sh failed:\n${res.out}`);
    say('cluster ready');

    const kl = await import('@agentic-sdlc/kube-local/testing');
    const { buildTaskJob, launchJobs, taskJobName } = await import('@agentic-sdlc/pod-launcher');
    const { parseRunnerProfile } = await import('@agentic-sdlc/secrets-config');
    ctx.appendPodLog = kl.appendPodLog;
    ctx.kubeconfig = kl.kubeconfigPath();
    ctx.clusterPids = {};
    for (const c of ['kube-apiserver', 'kwok', 'etcd', 'kube-controller-manager', 'kube-scheduler']) {
      ctx.clusterPids[c] = Number(readFileSync(join(state, 'pids', `${c}.pid`), 'utf8').split(' ')[0]);
    }
    const kc = kl.loadKubeConfig();
    ctx.namespace = await kl.createNamespace('mux-bench');
    const profile = parseRunnerProfile({
      image: 'registry.invalid/asdlc-agent:1.0.0',
      serviceAccountName: 'default',
      secretName: 'runner-secrets',
      model: 'anthropic/claude-sonnet-4',
      gitAuth: { mode: 'workloadIdentity' },
    });
    const stamp = Date.now().toString(36);
    const runs = [
      { name: 'apiserver', runId: `mux-full-${stamp}`, pods: PODS, rate: RATE, seconds: SECONDS },
      ...SMALL.map((s, i) => ({ name: `apiserver-small-${i + 1}`, runId: `mux-s${i + 1}-${stamp}`, ...s })),
    ];
    const taskIds = (n) => Array.from({ length: n }, (_, i) => `T${String(i + 1).padStart(3, '0')}`);
    const jobs = runs.flatMap((r) =>
      taskIds(r.pods).map((id) =>
        buildTaskJob({
          profile,
          namespace: ctx.namespace,
          runId: r.runId,
          task: { id, title: `mux bench ${id}` },
          feature: 'bench',
          repoUrl: 'https://git.invalid/x.git',
          baseBranch: 'main',
          tasksFile: 'specs/bench/tasks.md',
          branch: `main-${id}`,
          podAnnotations: kl.podFate({ outcome: 'hang' }),
        }),
      ),
    );
    const launched = await launchJobs({ kc, jobs, concurrency: 16 });
    if (launched.failed.length) throw new Error(`launchJobs failed: ${launched.failed[0].error}`);
    say(`${jobs.length} Jobs created; waiting for their pods to run`);
    const { CoreV1Api } = await import('@kubernetes/client-node');
    const core = kc.makeApiClient(CoreV1Api);
    const running = await kl.waitFor(
      `${jobs.length} running pods`,
      async () => {
        const pods = (await core.listNamespacedPod({ namespace: ctx.namespace })).items.filter(
          (p) => p.status?.containerStatuses?.[0]?.state?.running,
        );
        return pods.length >= jobs.length && pods;
      },
      { timeoutMs: 90_000, intervalMs: 500 },
    );
    for (const r of runs) {
      r.targets = taskIds(r.pods).map((task) => {
        const pod = running.find(
          (p) =>
            p.metadata?.labels?.['agentic-sdlc.dev/run'] === r.runId &&
            p.metadata?.labels?.['agentic-sdlc.dev/task'] === task,
        );
        if (!pod) throw new Error(`no pod for ${r.runId}/${task} (${taskJobName(r.runId, task)})`);
        return { task, namespace: ctx.namespace, pod: pod.metadata.name };
      });
    }
    // Open each log with line 0 (kwok serves it from now on; a follow request needs output to resolve).
    const all = runs.flatMap((r) => r.targets);
    for (let i = 0; i < all.length; i += 10) {
      await Promise.all(
        all.slice(i, i + 10).map((t) => kl.writePodLog(t.namespace, t.pod, 'agent', [line(t.task, 0)])),
      );
    }
    say(`${all.length} pods running, logs open (max ${maxPods} per phase)`);

    const results = [];
    const [full, ...small] = runs;
    say(`phase apiserver: ${full.pods} pods × ${full.rate} lines/s × ${full.seconds} s`);
    results.push(await runPhase(ctx, { ...full, mode: 'api' }));
    say('phase apiserver done');

    // Baseline: the same pipeline reading plain files directly (appendPodLog into a namespace that has no kwok Logs).
    const bns = `baseline-${stamp}`;
    const btargets = taskIds(PODS).map((task) => {
      const t = { task, namespace: bns, pod: `direct-${task.toLowerCase()}` };
      t.file = kl.podLogPath(t.namespace, t.pod, 'agent');
      mkdirSync(join(t.file, '..'), { recursive: true });
      writeFileSync(t.file, kl.criLogLine(line(task, 0)));
      return t;
    });
    say(`phase direct-files baseline: ${PODS} files × ${RATE} lines/s × ${BASELINE_SECONDS} s`);
    results.push(
      await runPhase(ctx, {
        name: 'direct-files',
        mode: 'files',
        targets: btargets,
        rate: RATE,
        seconds: BASELINE_SECONDS,
      }),
    );
    await rm(join(kl.podLogsDir(), bns), { recursive: true, force: true });

    for (const s of small) {
      say(`phase ${s.name}: ${s.pods} pods × ${s.rate} lines/s × ${s.seconds} s`);
      results.push(await runPhase(ctx, { ...s, mode: 'api' }));
    }

    const [api, direct] = results;
    const summary = results.map((r) => ({
      phase: r.phase,
      scale: `${r.pods}×${r.ratePerPod}/s×${r.seconds}s`,
      'write lines/s (target)': `${r.write.achievedLinesPerS} (${r.write.targetLinesPerS})`,
      lost: r.lost,
      dup: r.duplicated,
      undelivered: r.undelivered,
      'p50 ms': r.latencyMs.p50,
      'p99 ms': r.latencyMs.p99,
      'max ms': r.latencyMs.max,
      'drain ms': r.drainAfterWriterStopMs,
      'peak RSS MB': r.rss.vmHwmMb,
      'follower CPU %': r.cpuPctOfOneCoreDuringWrite.follower,
    }));
    console.table(summary);
    const ratio = (a, b) => (a != null && b ? round1(a / b) : null);
    const verdict = {
      linesLost: api.lost + api.duplicated + api.undelivered,
      linesLostOk: api.lost === 0 && api.duplicated === 0 && api.undelivered === 0,
      p99Ms: api.latencyMs.p99,
      p99Ok: api.latencyMs.p99 != null && api.latencyMs.p99 < TARGET.p99Ms,
      peakRssMb: api.rss.vmHwmMb,
      peakRssOk: api.rss.vmHwmMb < TARGET.rssMb,
      writeRateSustained: api.write.achievedLinesPerS >= 0.98 * api.write.targetLinesPerS,
      vsDirectFiles: {
        p50: ratio(api.latencyMs.p50, direct.latencyMs.p50),
        p99: ratio(api.latencyMs.p99, direct.latencyMs.p99),
        peakRss: ratio(api.rss.vmHwmMb, direct.rss.vmHwmMb),
        followerCpu: ratio(
          api.cpuPctOfOneCoreDuringWrite.follower,
          direct.cpuPctOfOneCoreDuringWrite.follower,
        ),
      },
      totalSeconds: Math.round((Date.now() - t0) / 1000),
    };
    console.log(`[bench] multiplex verdict ${JSON.stringify(verdict)}`);
    if (results.some((r) => r.lost || r.duplicated)) exitCode = 1;
  } catch (err) {
    console.error(`[bench] multiplex failed: ${err?.stack ?? err}`);
    exitCode = 1;
  } finally {
    say('stopping the own kube-local instance');
    await cleanup();
    clearTimeout(watchdog);
  }
  return exitCode;
}

if (process.argv[2] === '--follower') {
  follower().catch((err) => {
    process.send?.({ type: 'error', error: String(err?.stack ?? err) });
    console.error(err);
    process.exit(1);
  });
} else {
  process.exitCode = await driver();
}
