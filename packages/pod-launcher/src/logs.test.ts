import type { ServerResponse } from 'node:http';
import type { V1Pod } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeApiserver, json, startFakeApiserver, status } from '../test/fixtures/fake-apiserver.js';
import { pod as podFixture } from '../test/fixtures/status.js';
import {
  followTaskLogs,
  KubeForbiddenError,
  LogFollowError,
  type LogLine,
  ResumeCursor,
  readTaskLogs,
} from './index.js';

type Behaviour = { drop: number } | { end: number } | { silent: number } | 'stream';

/** One fake container log: lines with kubelet timestamps, served like the apiserver (sinceTime in whole seconds). */
class FakePod {
  lines: { ts: string; text: string }[] = [];
  phase = 'Running';
  connections = 0;
  readonly listeners = new Set<() => void>();
  constructor(
    readonly name: string,
    readonly script: Behaviour[] = [],
    readonly created = '2026-01-15T10:00:00Z',
  ) {}
  /** Append lines, `perSecond` per second starting at second `fromSecond`. */
  append(count: number, fromSecond: number, perSecond = 4, prefix = this.name): void {
    for (let i = 0; i < count; i++) {
      const sec = fromSecond + Math.floor(i / perSecond);
      const nanos = String((i % perSecond) * 1000 + 7).padStart(9, '0');
      const ts = `2026-01-15T10:${String(Math.floor(sec / 60)).padStart(2, '0')}:${String(sec % 60).padStart(2, '0')}.${nanos}Z`;
      this.lines.push({ ts, text: `${prefix} line ${this.lines.length}` });
    }
    for (const l of this.listeners) l();
  }
  asPod(): V1Pod {
    const terminal = this.phase !== 'Running';
    return podFixture({
      name: this.name,
      created: this.created,
      phase: this.phase,
      state: terminal
        ? { terminated: { exitCode: this.phase === 'Succeeded' ? 0 : 1 } }
        : { running: { startedAt: new Date(this.created) } },
    });
  }
}

const since = (ts: string) => `${ts.slice(0, 19)}Z`;

/** Write `text` in a few uneven chunks (chunks never align with lines). */
async function writeChunked(res: ServerResponse, text: string): Promise<void> {
  let pos = 0;
  let n = 0;
  while (pos < text.length) {
    const size = 3 + ((n++ * 7) % 23);
    res.write(text.slice(pos, pos + size));
    pos += size;
    await new Promise((r) => setImmediate(r));
  }
}

function install(api: FakeApiserver, pods: FakePod[], job: { done: boolean }): void {
  api.handlers.push(async (req, res, url) => {
    const m = /^\/api\/v1\/namespaces\/ns\/pods\/([^/]+)\/log$/.exec(url.pathname);
    if (!m) return false;
    const p = pods.find((x) => x.name === m[1]);
    if (!p) return status(res, 404, 'NotFound', `pods "${m[1]}" not found`);
    const behaviour = p.script[p.connections++] ?? 'stream';
    const follow = url.searchParams.get('follow') === 'true';
    const sinceTime = url.searchParams.get('sinceTime');
    const tail = url.searchParams.get('tailLines');
    let served = p.lines.filter((l) => !sinceTime || since(l.ts) >= sinceTime);
    if (tail) served = served.slice(-Number(tail));
    const fmt = (l: { ts: string; text: string }) => `${l.ts} ${l.text}\n`;
    res.writeHead(200, { 'content-type': 'text/plain' });
    if (typeof behaviour === 'object' && 'drop' in behaviour) {
      const part = served.slice(0, behaviour.drop).map(fmt).join('');
      const next = served[behaviour.drop];
      await writeChunked(res, part + (next ? fmt(next).slice(0, 12) : ''));
      res.socket?.destroy();
      return true;
    }
    if (typeof behaviour === 'object' && 'end' in behaviour) {
      await writeChunked(res, served.slice(0, behaviour.end).map(fmt).join(''));
      res.end();
      return true;
    }
    if (typeof behaviour === 'object' && 'silent' in behaviour) {
      await writeChunked(res, served.slice(0, behaviour.silent).map(fmt).join(''));
      return true; // never writes again, never ends
    }
    let sent = served[0] ? p.lines.indexOf(served[0]) : p.lines.length;
    let chain = Promise.resolve();
    const flush = (): Promise<void> => {
      chain = chain.then(async () => {
        const text = p.lines.slice(sent).map(fmt).join('');
        sent = p.lines.length;
        await writeChunked(res, text);
      });
      return chain;
    };
    if (follow) {
      const listener = () => void flush();
      p.listeners.add(listener);
      req.on('close', () => p.listeners.delete(listener));
    }
    await flush();
    if (!follow) {
      res.end();
      return true;
    }
    return true; // like kwok: a follow stream never ends by itself
  });
  api.handlers.push((_req, res, url) => {
    const m = /^\/api\/v1\/namespaces\/ns\/pods\/([^/]+)$/.exec(url.pathname);
    if (!m) return false;
    const p = pods.find((x) => x.name === m[1]);
    return p ? json(res, p.asPod()) : status(res, 404, 'NotFound', 'not found');
  });
  api.handlers.push((_req, res, url) => {
    if (url.pathname !== '/api/v1/namespaces/ns/pods') return false;
    return json(res, { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: pods.map((p) => p.asPod()) });
  });
  api.handlers.push((_req, res, url) => {
    if (url.pathname !== '/apis/batch/v1/namespaces/ns/jobs') return false;
    const conditions = job.done ? [{ type: 'Complete', status: 'True' }] : [];
    return json(res, {
      kind: 'JobList',
      apiVersion: 'batch/v1',
      metadata: {},
      items: [{ metadata: { name: 'asdlc-r1-t001', namespace: 'ns' }, status: { conditions } }],
    });
  });
}

const fast = { idleTimeoutMs: 2000, statusCheckMs: 50, pollMs: 20, retryMinMs: 5, retryMaxMs: 20 };

let api: FakeApiserver;
beforeEach(async () => {
  api = await startFakeApiserver();
});
afterEach(async () => {
  await api.close();
});

describe('followTaskLogs (fake apiserver, real Log.log)', () => {
  it('drops, clean EOFs and partial lines: every line exactly once, in order', async () => {
    const p = new FakePod('asdlc-r1-t001-aaaaa', [{ drop: 7 }, { end: 4 }, { drop: 12 }, { drop: 0 }]);
    p.append(30, 0, 10);
    const job = { done: false };
    install(api, [p], job);
    const reconnects: { sinceTime?: string; skip: number; cause: string }[] = [];
    const got: LogLine[] = [];
    for await (const l of followTaskLogs({
      kc: api.kc,
      namespace: 'ns',
      runId: 'r1',
      task: 'T001',
      ...fast,
      onReconnect: (r) => {
        reconnects.push(r);
      },
    })) {
      got.push(l);
      if (got.length === 30) p.append(5, 3, 10); // new output while streaming
      if (got.length === 35) {
        p.append(2, 4, 10); // last lines land just as the pod finishes
        p.phase = 'Succeeded';
        job.done = true;
      }
    }
    expect(got.map((l) => l.line)).toEqual(p.lines.map((l) => l.text));
    expect(got.every((l) => l.stream === 'stdout' && /^2026-01-15T10:00:0\d\.\d{9}Z$/.test(l.ts))).toBe(true);
    expect(reconnects.length).toBeGreaterThanOrEqual(4);
    // dropped connections are noticed at once, not by the idle watchdog
    expect(reconnects.filter((r) => r.cause.startsWith('no data'))).toEqual([]);
    // resumes ask for the last second seen and skip what was emitted in it
    expect(reconnects[0]).toMatchObject({ sinceTime: '2026-01-15T10:00:00Z', skip: 7 });
    // the final read of the finished pod is a non-follow request
    expect(api.requests.filter((r) => r.includes('/log?')).at(-1)).toContain('follow=false');
  });

  it('idle watchdog: a silent stream of a running pod is replaced, nothing lost or repeated', async () => {
    const p = new FakePod('asdlc-r1-t001-bbbbb', [{ silent: 5 }]);
    p.append(5, 0, 3);
    const job = { done: false };
    install(api, [p], job);
    const got: string[] = [];
    for await (const l of followTaskLogs({
      kc: api.kc,
      namespace: 'ns',
      runId: 'r1',
      task: 'T001',
      ...fast,
      idleTimeoutMs: 300,
    })) {
      got.push(l.line);
      if (got.length === 5) p.append(5, 1, 3); // the silent connection never delivers these
      if (got.length === 10) {
        p.phase = 'Succeeded';
        job.done = true;
      }
    }
    expect(got).toEqual(p.lines.map((l) => l.text));
    expect(p.connections).toBeGreaterThanOrEqual(3);
  });

  it('a retried Job: moves to the new pod found by label', async () => {
    const a = new FakePod('asdlc-r1-t001-aaaaa', [], '2026-01-15T10:00:00Z');
    const b = new FakePod('asdlc-r1-t001-bbbbb', [], '2026-01-15T10:01:00Z');
    a.append(3, 0, 3, 'A');
    const job = { done: false };
    const pods = [a];
    install(api, pods, job);
    const seen: string[] = [];
    const got: string[] = [];
    for await (const l of followTaskLogs({
      kc: api.kc,
      namespace: 'ns',
      runId: 'r1',
      task: 'T001',
      ...fast,
      onPod: (p) => seen.push(p.metadata?.name ?? ''),
    })) {
      got.push(l.line);
      if (got.length === 3) {
        a.phase = 'Failed';
        b.append(2, 60, 3, 'B');
        pods.push(b);
      }
      if (got.length === 5) {
        b.phase = 'Succeeded';
        job.done = true;
      }
    }
    expect(got).toEqual(['A line 0', 'A line 1', 'A line 2', 'B line 0', 'B line 1']);
    expect(seen).toEqual(['asdlc-r1-t001-aaaaa', 'asdlc-r1-t001-bbbbb']);
  });

  it('waits for the pod and its container to start', async () => {
    const p = new FakePod('asdlc-r1-t001-ccccc');
    const pods: FakePod[] = [];
    const job = { done: false };
    install(api, pods, job);
    setTimeout(() => {
      p.append(2, 0);
      pods.push(p);
    }, 150);
    const got: string[] = [];
    for await (const l of followTaskLogs({
      kc: api.kc,
      namespace: 'ns',
      runId: 'r1',
      task: 'T001',
      ...fast,
    })) {
      got.push(l.line);
      if (got.length === 2) {
        p.phase = 'Succeeded';
        job.done = true;
      }
    }
    expect(got).toHaveLength(2);
    expect(
      api.requests.filter((r) => r.startsWith('GET /api/v1/namespaces/ns/pods?')).length,
    ).toBeGreaterThan(1);
  });

  it('detach and attach: a saved cursor resumes with no line lost or repeated', async () => {
    const p = new FakePod('asdlc-r1-t001-ggggg');
    p.append(20, 0, 6); // 6 lines per second: the detach point falls inside a second
    const job = { done: false };
    install(api, [p], job);
    const first = new ResumeCursor();
    const before: string[] = [];
    for await (const l of followTaskLogs({
      kc: api.kc,
      namespace: 'ns',
      runId: 'r1',
      task: 'T001',
      ...fast,
      cursor: first,
    })) {
      before.push(l.line);
      if (before.length === 8) break; // Ctrl-C: detach
    }
    const saved = JSON.parse(JSON.stringify(first.state()));
    expect(saved).toEqual({ lastSecond: '2026-01-15T10:00:01Z', countInSecond: 2 });
    p.append(6, 4, 6); // output while detached
    const after: string[] = [];
    for await (const l of followTaskLogs({
      kc: api.kc,
      namespace: 'ns',
      runId: 'r1',
      task: 'T001',
      ...fast,
      tailLines: 1, // ignored: the cursor wins
      cursor: ResumeCursor.from(saved),
    })) {
      after.push(l.line);
      if (after.length === 18) {
        p.phase = 'Succeeded';
        job.done = true;
      }
    }
    expect([...before, ...after]).toEqual(p.lines.map((l) => l.text));
  });

  it('apiserver restart: 3 followed logs resume with 0 lost and 0 duplicated lines', async () => {
    const pods = ['T001', 'T002', 'T003'].map((t, i) => {
      const p = new FakePod(`asdlc-r1-${t.toLowerCase()}-xxxxx`, [], `2026-01-15T10:0${i}:00Z`);
      p.append(12, 0, 5, t);
      return p;
    });
    const job = { done: false };
    install(api, pods, job);
    // every task's pod lookup returns its own pod
    const finder = (i: number) => async () => pods[i]?.asPod();
    const got = new Map<number, string[]>([
      [0, []],
      [1, []],
      [2, []],
    ]);
    let restarted: Promise<void> | undefined;
    const follow = async (i: number) => {
      for await (const l of followTaskLogs({
        kc: api.kc,
        namespace: 'ns',
        runId: 'r1',
        task: `T00${i + 1}`,
        ...fast,
        retryMinMs: 50,
        retryMaxMs: 200,
        findPod: finder(i),
      })) {
        const mine = got.get(i) ?? [];
        mine.push(l.line);
        if (i === 0 && mine.length === 12 && !restarted) {
          restarted = api.restart(400).then(() => {
            for (const p of pods) p.append(8, 3, 5, `after-${p.name.slice(9, 13)}`);
          });
          for (const p of pods) p.append(4, 2, 5, `during-${p.name.slice(9, 13)}`); // written while it is down
        }
        if (
          [...got.values()].every((g, j) => g.length === (pods[j]?.lines.length ?? 0)) &&
          (pods[0]?.lines.length ?? 0) === 24
        ) {
          for (const p of pods) p.phase = 'Succeeded';
          job.done = true;
        }
      }
    };
    await Promise.all([0, 1, 2].map(follow));
    for (const [i, lines] of got) expect(lines, `task ${i}`).toEqual(pods[i]?.lines.map((l) => l.text));
  });

  it('stops quietly on abort', async () => {
    const p = new FakePod('asdlc-r1-t001-ddddd');
    p.append(3, 0);
    install(api, [p], { done: false });
    const ac = new AbortController();
    const got: string[] = [];
    for await (const l of followTaskLogs({
      kc: api.kc,
      namespace: 'ns',
      runId: 'r1',
      task: 'T001',
      ...fast,
      signal: ac.signal,
    })) {
      got.push(l.line);
      if (got.length === 3) setTimeout(() => ac.abort(), 50);
    }
    expect(got).toHaveLength(3);
  });

  it('403 on pods/log → KubeForbiddenError naming the verb and resource', async () => {
    const p = new FakePod('asdlc-r1-t001-eeeee');
    api.handlers.push((_req, res, url) =>
      url.pathname.endsWith('/log')
        ? status(
            res,
            403,
            'Forbidden',
            'pods "x" is forbidden: User "system:serviceaccount:ns:ci" cannot get resource "pods/log" in API group "" in the namespace "ns"',
          )
        : false,
    );
    install(api, [p], { done: false });
    const it = followTaskLogs({ kc: api.kc, namespace: 'ns', runId: 'r1', task: 'T001', ...fast });
    const err = await it.next().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeForbiddenError);
    // Log.log drops the Status body of a 4xx: the kubeconfig's user is named instead
    expect((err as Error).message).toMatch(
      /^forbidden: the current user \(kubeconfig user "fake-user"\) cannot get pods\/log in ns — the launcher Role needs "get" on pods\/log/,
    );
  });

  it('gives up after maxRetries consecutive failures with LogFollowError', async () => {
    const p = new FakePod('asdlc-r1-t001-fffff');
    api.handlers.push((_req, res, url) =>
      url.pathname.endsWith('/log') ? status(res, 500, 'InternalError', 'kubelet unreachable') : false,
    );
    install(api, [p], { done: false });
    const it = followTaskLogs({
      kc: api.kc,
      namespace: 'ns',
      runId: 'r1',
      task: 'T001',
      ...fast,
      maxRetries: 2,
    });
    const err = await it.next().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LogFollowError);
    expect((err as Error).message).toMatch(
      /failed 3 times in a row; last error: opening the log of pod asdlc-r1-t001-fffff: HTTP 500/,
    );
  });
});

describe('readTaskLogs', () => {
  it('reads once with tail, oldest pod first with allPods', async () => {
    const a = new FakePod('asdlc-r1-t001-aaaaa', [], '2026-01-15T10:00:00Z');
    const b = new FakePod('asdlc-r1-t001-bbbbb', [], '2026-01-15T10:01:00Z');
    a.append(4, 0, 4, 'A');
    b.append(4, 60, 4, 'B');
    a.phase = 'Failed';
    install(api, [b, a], { done: true });
    const tail: string[] = [];
    for await (const l of readTaskLogs({
      kc: api.kc,
      namespace: 'ns',
      runId: 'r1',
      task: 'T001',
      tailLines: 2,
    }))
      tail.push(l.line);
    expect(tail).toEqual(['B line 2', 'B line 3']);
    const all: string[] = [];
    for await (const l of readTaskLogs({
      kc: api.kc,
      namespace: 'ns',
      runId: 'r1',
      task: 'T001',
      allPods: true,
    }))
      all.push(l.line);
    expect(all).toEqual([...a.lines, ...b.lines].map((l) => l.text));
    expect(api.requests.some((r) => r.includes('tailLines=2') && r.includes('follow=false'))).toBe(true);
  });
});
