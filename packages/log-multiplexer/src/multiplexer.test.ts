import { spawn } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as api from './index.js';
import {
  createRedactor,
  createTerminalRenderer,
  LogMultiplexer,
  renderJson,
  splitLines,
  streamSource,
} from './index.js';
import type { MuxRecord } from './types.js';

async function* lines(prefix: string, n: number, delayEvery = 0): AsyncGenerator<string> {
  for (let i = 0; i < n; i++) {
    if (delayEvery && i % delayEvery === 0) await new Promise((r) => setTimeout(r, 1));
    yield `${prefix}-${i}`;
  }
}

async function collect(mux: LogMultiplexer): Promise<MuxRecord[]> {
  const out: MuxRecord[] = [];
  for await (const r of mux) out.push(r);
  return out;
}

describe('LogMultiplexer', () => {
  it('merges sources: every line exactly once, each source in its own order', async () => {
    const mux = new LogMultiplexer({ bufferSize: 16 });
    const done = Promise.all([
      mux.addSource('T001', lines('a', 500, 7)),
      mux.addSource('T002', lines('b', 300, 5)),
      mux.addSource('T003', lines('c', 200)),
    ]).then(() => mux.close());
    const records = await collect(mux);
    await done;
    for (const [task, prefix, n] of [
      ['T001', 'a', 500],
      ['T002', 'b', 300],
      ['T003', 'c', 200],
    ] as const) {
      const got = records
        .filter((r) => r.task === task && r.type === 'log')
        .map((r) => (r.type === 'log' ? r.line : ''));
      expect(got).toEqual(Array.from({ length: n }, (_, i) => `${prefix}-${i}`));
    }
  });

  it('keeps status records between log lines and never drops them', async () => {
    const mux = new LogMultiplexer({ bufferSize: 1 });
    mux.status('T001', 'started', 'T001 started');
    const pump = mux.addSource('T001', lines('x', 3)).then(() => {
      mux.status('T001', 'succeeded', 'T001 succeeded');
      mux.close();
    });
    const records = await collect(mux);
    await pump;
    expect(records.map((r) => (r.type === 'log' ? r.line : r.state))).toEqual([
      'started',
      'x-0',
      'x-1',
      'x-2',
      'succeeded',
    ]);
  });

  it('pauses sources when the consumer is slow: the buffer never exceeds its bound', async () => {
    const bufferSize = 50;
    const mux = new LogMultiplexer({ bufferSize });
    let produced = 0;
    async function* fast(): AsyncGenerator<string> {
      for (let i = 0; i < 100_000; i++) {
        produced++;
        yield `line ${i}`;
      }
    }
    const pump = mux.addSource('T001', fast());
    await new Promise((r) => setTimeout(r, 50));
    // Nobody has read yet: the source was pulled at most bufferSize + 1 times.
    expect(mux.buffered).toBeLessThanOrEqual(bufferSize);
    expect(produced).toBeLessThanOrEqual(bufferSize + 1);
    let maxBuffered = 0;
    let count = 0;
    const consumer = (async () => {
      for await (const r of mux) {
        if (r.type === 'log') count++;
        maxBuffered = Math.max(maxBuffered, mux.buffered);
        if (count % 1000 === 0) await new Promise((res) => setImmediate(res));
      }
    })();
    await pump;
    mux.close();
    await consumer;
    expect(count).toBe(100_000);
    expect(maxBuffered).toBeLessThanOrEqual(bufferSize);
  });

  it('redacts secret values in lines and status messages', async () => {
    const mux = new LogMultiplexer({ redact: ['s3cr3t-token-value'] });
    mux.status('T001', 'failed', 'push failed for https://x:s3cr3t-token-value@git');
    const pump = mux.addSource('T001', lines('token=s3cr3t-token-value', 1)).then(() => mux.close());
    const records = await collect(mux);
    await pump;
    const text = records.map((r) => renderJson(r)).join('\n');
    expect(text).not.toContain('s3cr3t-token-value');
    expect(text).toContain('[redacted]');
  });

  it('reports a failing source as a status record', async () => {
    const mux = new LogMultiplexer();
    async function* broken(): AsyncGenerator<string> {
      yield 'one';
      throw new Error('connection reset');
    }
    const pump = mux.addSource('T009', broken(), 'pod-x').catch((e: Error) => e.message);
    const closing = pump.then(() => mux.close());
    const records = await collect(mux);
    expect(await pump).toBe('connection reset');
    await closing;
    expect(records.at(-1)).toMatchObject({ type: 'status', state: 'source-error', task: 'T009' });
  });

  it('streams a real child process line by line', async () => {
    const child = spawn(
      process.execPath,
      ['-e', 'for (let i=0;i<200;i++) console.log("row "+i); console.error("err line")'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const mux = new LogMultiplexer();
    const pumps = Promise.all([
      mux.addSource('T004', streamSource(child.stdout, 'stdout'), `pid:${child.pid}`),
      mux.addSource('T004', streamSource(child.stderr, 'stderr'), `pid:${child.pid}`),
    ]).then(() => mux.close());
    const records = await collect(mux);
    await pumps;
    const out = records
      .filter((r) => r.type === 'log' && r.stream === 'stdout')
      .map((r) => (r.type === 'log' ? r.line : ''));
    expect(out).toEqual(Array.from({ length: 200 }, (_, i) => `row ${i}`));
    expect(records.some((r) => r.type === 'log' && r.stream === 'stderr' && r.line === 'err line')).toBe(
      true,
    );
  });
});

describe('splitLines', () => {
  it('yields the same lines however the bytes are chunked (LF, CRLF, no final newline)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ unit: fc.constantFrom('a', 'é', '🎯', ' ', 'x') }), { maxLength: 20 }),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 10 }),
        async (rows, crlf, cuts) => {
          const text = rows.join(crlf ? '\r\n' : '\n');
          const bytes = Buffer.from(text);
          const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
          const chunks: Buffer[] = [];
          let last = 0;
          for (const p of [...points, bytes.length]) {
            chunks.push(bytes.subarray(last, p));
            last = p;
          }
          async function* src() {
            yield* chunks;
          }
          const got: string[] = [];
          for await (const l of splitLines(src())) got.push(l);
          const expected = text.length === 0 ? [] : text.split(crlf ? '\r\n' : '\n');
          if (expected.at(-1) === '' && expected.length > 0) expected.pop();
          expect(got).toEqual(expected);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('renderers', () => {
  const log: MuxRecord = {
    type: 'log',
    task: 'T006',
    source: 'pod',
    ts: '2026-01-01T00:00:00Z',
    line: 'hello',
  };
  it('prefixes each line with its task id, without colour codes when colour is off', () => {
    const render = createTerminalRenderer({ color: false, prefixWidth: 5 });
    expect(render(log)).toBe('T006  │ hello');
    expect(render({ type: 'status', task: 'T006', ts: '', state: 'failed', message: 'boom' })).toBe(
      'T006  ▸ boom',
    );
  });
  it('colours with a stable colour per task when colour is on', () => {
    const render = createTerminalRenderer({ color: true });
    expect(render(log)).toContain('\u001b[');
    expect(render(log)).toBe(render({ ...log }));
  });
  it('renders NDJSON', () => {
    expect(JSON.parse(renderJson(log))).toEqual(log);
  });
  it('redactor ignores very short values and prefers the longest match', () => {
    const redact = createRedactor(['ab', 'secret', 'secret-long']);
    expect(redact('ab secret-long secret')).toBe('ab [redacted] [redacted]');
  });
});

it('exports exactly the public API', () => {
  expect(Object.keys(api).sort()).toEqual(
    [
      'LogMultiplexer',
      'REDACTED',
      'colourFor',
      'createRedactor',
      'createTerminalRenderer',
      'renderJson',
      'secretValuesFromEnv',
      'splitLines',
      'streamSource',
    ].sort(),
  );
});
