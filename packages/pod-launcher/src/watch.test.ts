import type { ServerResponse } from 'node:http';
import type { KubernetesObject } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeApiserver, json, startFakeApiserver, status } from '../test/fixtures/fake-apiserver.js';
import { job as jobFixture, pod as podFixture, resultJson } from '../test/fixtures/status.js';
import { KubeForbiddenError, type TaskEvent, watchRun } from './index.js';

type Kind = 'jobs' | 'pods';

/** A fake apiserver with list + watch for Jobs and pods of namespace ns, and resourceVersions. */
class FakeStore {
  rv = 100;
  objects: Record<Kind, Map<string, KubernetesObject>> = { jobs: new Map(), pods: new Map() };
  events: { rv: number; kind: Kind; type: string; obj: KubernetesObject }[] = [];
  watchers = new Set<{ kind: Kind; res: ServerResponse }>();
  lists: Record<Kind, number> = { jobs: 0, pods: 0 };
  watches: Record<Kind, number> = { jobs: 0, pods: 0 };
  /** Next watch requests of a kind answer with this HTTP status. */
  failNextWatch: Partial<Record<Kind, number[]>> = {};
  forbidList = false;

  put(kind: Kind, obj: KubernetesObject): void {
    const name = obj.metadata?.name ?? '';
    const type = this.objects[kind].has(name) ? 'MODIFIED' : 'ADDED';
    const copy = structuredClone(obj);
    copy.metadata = { ...copy.metadata, resourceVersion: String(++this.rv) };
    this.objects[kind].set(name, copy);
    this.events.push({ rv: this.rv, kind, type, obj: copy });
    for (const w of this.watchers)
      if (w.kind === kind) w.res.write(`${JSON.stringify({ type, object: copy })}\n`);
  }

  dropWatches(): void {
    for (const w of this.watchers) w.res.socket?.destroy();
    this.watchers.clear();
  }

  install(api: FakeApiserver): void {
    api.handlers.push((req, res, url) => {
      const m = /^\/(?:apis\/batch\/v1|api\/v1)\/namespaces\/ns\/(jobs|pods)$/.exec(url.pathname);
      if (!m) return false;
      const kind = m[1] as Kind;
      if (url.searchParams.get('watch') !== 'true') {
        this.lists[kind]++;
        if (this.forbidList) {
          return status(
            res,
            403,
            'Forbidden',
            `${kind} is forbidden: User "system:serviceaccount:ns:ci" cannot list resource "${kind}" in API group "" in the namespace "ns"`,
          );
        }
        return json(res, {
          metadata: { resourceVersion: String(this.rv) },
          items: [...this.objects[kind].values()],
        });
      }
      this.watches[kind]++;
      const fail = this.failNextWatch[kind]?.shift();
      if (fail) return status(res, fail, fail === 410 ? 'Expired' : 'InternalError', 'scripted failure');
      const from = Number(url.searchParams.get('resourceVersion') ?? '0');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders(); // like the apiserver: headers at once, events as they come
      for (const e of this.events)
        if (e.kind === kind && e.rv > from) res.write(`${JSON.stringify({ type: e.type, object: e.obj })}\n`);
      const w = { kind, res };
      this.watchers.add(w);
      req.on('close', () => this.watchers.delete(w));
      return true;
    });
  }
}

let api: FakeApiserver;
let store: FakeStore;
beforeEach(async () => {
  api = await startFakeApiserver();
  store = new FakeStore();
  store.install(api);
});
afterEach(async () => {
  await api.close();
});

async function until(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('watchRun (fake apiserver, real ListWatch)', () => {
  it('initial states, changes, restarts after errors, re-lists on 410, never repeats an event', async () => {
    store.put('jobs', jobFixture());
    const events: TaskEvent[] = [];
    const errors: string[] = [];
    const watch = await watchRun({
      kc: api.kc,
      namespace: 'ns',
      runId: 'r1',
      onEvent: (e) => events.push(e),
      onError: (e, info) => errors.push(`${info.recovering}:${e.message.split('\n')[0]}`),
      restartMinMs: 10,
      restartMaxMs: 50,
    });
    try {
      expect(events).toEqual([{ task: 'T001', state: 'queued' }]);
      store.put(
        'pods',
        podFixture({ phase: 'Pending', nodeName: 'n', state: { waiting: { reason: 'ContainerCreating' } } }),
      );
      await until('pulling', () => events.at(-1)?.state === 'pulling');
      store.put('pods', podFixture());
      await until('running', () => events.at(-1)?.state === 'running');
      expect(watch.pod('T001')?.metadata?.name).toBe('asdlc-r1-t001-abcde');
      expect(watch.pod('T999')).toBeUndefined();

      // the watch connections drop: informers stop on the error and are restarted with backoff
      const watchesBefore = store.watches.pods;
      store.failNextWatch.pods = [500];
      store.dropWatches();
      await until('pods watch restarted', () => store.watches.pods >= watchesBefore + 2);
      // 410 Gone on the next drop → a fresh list
      const listsBefore = store.lists.jobs;
      store.failNextWatch.jobs = [410];
      store.dropWatches();
      await until('jobs re-listed after 410', () => store.lists.jobs > listsBefore);

      store.put(
        'pods',
        podFixture({
          phase: 'Succeeded',
          state: { terminated: { exitCode: 0, reason: 'Completed', message: resultJson } },
        }),
      );
      store.put('jobs', jobFixture([{ type: 'Complete', reason: 'CompletionsReached' }]));
      const [done] = await watch.settled(['T001'], { timeoutMs: 5000 });
      expect(done).toMatchObject({ task: 'T001', state: 'succeeded', sha: 'bbb', branch: 'feat-T001' });
      expect(events.map((e) => e.state)).toEqual(['queued', 'pulling', 'running', 'succeeded']);
      expect(events.at(-1)?.result?.outcome).toBe('succeeded');
      expect(errors.length).toBeGreaterThan(0);
      expect(errors.every((e) => e.startsWith('true:'))).toBe(true);
    } finally {
      await watch.stop();
    }
    await expect(watch.done).resolves.toBeUndefined();
  });

  it('apiserver restart: informers error, are restarted with backoff and catch up', async () => {
    store.put('jobs', jobFixture());
    store.put('pods', podFixture());
    const events: TaskEvent[] = [];
    const errors: string[] = [];
    const watch = await watchRun({
      kc: api.kc,
      namespace: 'ns',
      runId: 'r1',
      onEvent: (e) => events.push(e),
      onError: (e) => errors.push(e.message),
      restartMinMs: 50,
      restartMaxMs: 200,
    });
    try {
      expect(events.map((e) => e.state)).toEqual(['running']);
      const down = api.restart(500);
      // changes made while the apiserver is down are seen after it is back (list or watch from resourceVersion)
      store.put(
        'pods',
        podFixture({ phase: 'Succeeded', state: { terminated: { exitCode: 0, message: resultJson } } }),
      );
      store.put('jobs', jobFixture([{ type: 'Complete', reason: 'CompletionsReached' }]));
      await down;
      const [done] = await watch.settled(['T001'], { timeoutMs: 10_000 });
      expect(done?.state).toBe('succeeded');
      expect(done?.sha).toBe('bbb');
      expect(errors.length).toBeGreaterThan(0);
      expect(events.map((e) => e.state)).toEqual(['running', 'succeeded']);
    } finally {
      await watch.stop();
    }
  });

  it('settled() times out with the states seen', async () => {
    store.put('jobs', jobFixture());
    const watch = await watchRun({ kc: api.kc, namespace: 'ns', runId: 'r1', onEvent: () => {} });
    try {
      await expect(watch.settled(['T001'], { timeoutMs: 100 })).rejects.toThrow(
        /did not settle within 100 ms; states: T001=queued/,
      );
    } finally {
      await watch.stop();
    }
  });

  it('403 is not retried: watchRun rejects with KubeForbiddenError', async () => {
    store.forbidList = true;
    const errors: Error[] = [];
    const err = await watchRun({
      kc: api.kc,
      namespace: 'ns',
      runId: 'r1',
      onEvent: () => {},
      onError: (e) => errors.push(e),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KubeForbiddenError);
    expect((err as Error).message).toMatch(/cannot (watch|list) /);
    expect(errors[0]).toBeInstanceOf(KubeForbiddenError);
  });

  it('abort signal stops the watch', async () => {
    const ac = new AbortController();
    const watch = await watchRun({
      kc: api.kc,
      namespace: 'ns',
      runId: 'r1',
      onEvent: () => {},
      signal: ac.signal,
    });
    ac.abort();
    await expect(watch.done).resolves.toBeUndefined();
  });
});
