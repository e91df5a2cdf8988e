import { Writable } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import { expect, test } from 'vitest';
import { appendPodLog, waitFor, waitForJobPod, withNamespace, writePodLog } from '../src/testing.js';
import { jobManifest } from './_fixtures.js';

const ns = withNamespace('follow');

test('Log.log(…, {follow: true}) through the apiserver gets 1,000 lines appended over 5 s, in order, exactly once', async () => {
  const namespace = ns.name;
  const batch = ns.kc.makeApiClient(k8s.BatchV1Api);
  await batch.createNamespacedJob({ namespace, body: jobManifest('streamer', { outcome: 'hang' }) });
  const pod = await waitForJobPod(namespace, 'streamer', (p) => p.status?.phase === 'Running');
  const podName = pod.metadata!.name!;
  await writePodLog(namespace, podName, 'main', []);

  const received: string[] = [];
  let partial = '';
  let firstLineAt = 0;
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      const text = partial + chunk.toString('utf8');
      const parts = text.split('\n');
      partial = parts.pop() ?? '';
      if (parts.length > 0 && firstLineAt === 0) firstLineAt = Date.now();
      received.push(...parts);
      cb();
    },
  });
  let streamError: unknown;
  // Log.log() resolves when the response headers arrive, and kwok (like a kubelet) sends them with the first
  // bytes of the log: so it must not be awaited before the log has output.
  const following = new k8s.Log(ns.kc).log(
    namespace,
    podName,
    'main',
    sink,
    (err: unknown) => {
      if (err) streamError = err;
    },
    { follow: true },
  );
  following.catch(() => {}); // awaited below; don't let a rejection go unhandled meanwhile

  try {
    const expected = Array.from({ length: 1000 }, (_, i) => `line ${String(i + 1).padStart(4, '0')}`);
    const started = Date.now();
    for (let batchNo = 0; batchNo < 50; batchNo++) {
      await appendPodLog(namespace, podName, 'main', expected.slice(batchNo * 20, batchNo * 20 + 20));
      await new Promise((r) => setTimeout(r, 100));
    }
    const writerDone = Date.now();
    expect(writerDone - started).toBeGreaterThanOrEqual(5_000);
    await following;

    await waitFor('all 1,000 lines to arrive', () => received.length >= 1000, { timeoutMs: 20_000 });
    // Give a duplicate (a re-read of the file) the chance to show up before judging "exactly once".
    await new Promise((r) => setTimeout(r, 2_500));

    expect(streamError).toBeUndefined();
    expect(firstLineAt).toBeGreaterThan(0);
    expect(firstLineAt).toBeLessThan(writerDone); // streamed while being written, not read once at the end
    expect(received.length).toBe(1000);
    expect(received).toEqual(expected);
  } finally {
    await following.then(
      (controller) => controller.abort(),
      () => {},
    );
  }
});
