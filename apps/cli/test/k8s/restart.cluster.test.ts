// kube-apiserver restart while `asdlc run --executor k8s` follows 3 logs: the streams resume with 0 lost and
// 0 duplicated lines. The shared loopback cluster must never be restarted, so this file starts its OWN
// instance of tools/kube-local (separate state dir and ports, KUBE_LOCAL_* env) and stops it afterwards.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
const STATE = mkdtempSync(join(tmpdir(), 'asdlc-kube-restart-'));
const PORTS = {
  KUBE_LOCAL_APISERVER_PORT: '28443',
  KUBE_LOCAL_ETCD_PORT: '28379',
  KUBE_LOCAL_ETCD_PEER_PORT: '28380',
  KUBE_LOCAL_KCM_PORT: '28257',
  KUBE_LOCAL_SCHEDULER_PORT: '28259',
  KUBE_LOCAL_KWOK_PORT: '28250',
};
// Before the helpers are imported: they read the state dir (kubeconfig, kwok port, pod-logs) from the env.
Object.assign(process.env, PORTS, { KUBE_LOCAL_STATE_DIR: STATE });
const env = { ...process.env, ...PORTS, KUBE_LOCAL_STATE_DIR: STATE };

const { appendPodLog, createNamespace, kubeconfigPath, loadKubeConfig, podFate, waitFor, writePodLog } =
  await import('@agentic-sdlc/kube-local/testing');
const { makeRepo, removeTempDirs } = await import('../helpers.js');
const { installRelease, linesOf, logLines, resultLine, runningPod, startCli, summaryOf } = await import(
  './cluster-helpers.js'
);
const k8s = await import('@kubernetes/client-node');

let up = false;

beforeAll(() => {
  const res = spawnSync('bash', [join(REPO, 'tools/kube-local/up.sh')], { env, encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`second cluster failed to start:\n${res.stderr}`);
  up = true;
}, 180_000);

afterAll(() => {
  if (up) spawnSync('bash', [join(REPO, 'tools/kube-local/down.sh')], { env, stdio: 'ignore' });
  rmSync(STATE, { recursive: true, force: true });
  removeTempDirs();
}, 60_000);

/** Stops this instance's kube-apiserver (SIGTERM, as down.sh does) and starts it again with the same argv. */
async function restartApiserver(appendWhileDown: () => Promise<void>): Promise<number> {
  const pidFile = join(STATE, 'pids', 'kube-apiserver.pid');
  const [pid, bin] = readFileSync(pidFile, 'utf8').trim().split(/\s+/);
  const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  if (argv[0] !== bin) throw new Error(`pid ${pid} is not ${bin}`);
  const stoppedAt = Date.now();
  const gone = () => {
    try {
      process.kill(Number(pid), 0);
      return false;
    } catch {
      return true;
    }
  };
  // SIGTERM first (it drains long-running requests for a while), then SIGKILL as down.sh does.
  process.kill(Number(pid), 'SIGTERM');
  const stopped = await waitFor('kube-apiserver to exit', gone, { timeoutMs: 10_000 }).catch(() => false);
  if (!stopped) {
    process.kill(Number(pid), 'SIGKILL');
    await waitFor('kube-apiserver to be killed', gone, { timeoutMs: 10_000 });
  }
  await appendWhileDown();
  const log = openSync(join(STATE, 'logs', 'kube-apiserver.log'), 'a');
  const child = spawn(argv[0] ?? '', argv.slice(1), { detached: true, stdio: ['ignore', log, log] });
  child.unref();
  writeFileSync(pidFile, `${child.pid} ${bin}\n`);
  const kc = loadKubeConfig();
  await waitFor(
    'kube-apiserver to be ready again',
    async () => {
      await kc.makeApiClient(k8s.CoreV1Api).listNamespace({ limit: 1 });
      return true;
    },
    { timeoutMs: 90_000, intervalMs: 250 },
  );
  return Date.now() - stoppedAt;
}

describe('apiserver restart while following 3 logs (own kube-local instance)', () => {
  test('the streams resume with 0 lost and 0 duplicated lines; the run completes', async () => {
    expect(kubeconfigPath()).toBe(join(STATE, 'kubeconfig'));
    const kc = loadKubeConfig();
    const namespace = await createNamespace('cli-restart', {
      'pod-security.kubernetes.io/enforce': 'restricted',
    });
    await installRelease(kc, namespace);
    const file = 'specs/001-widgets/tasks.md';
    const repo = makeRepo(
      {
        [file]: `# Tasks\n\n## Phase 1: Setup\n\n- [ ] T010 [P] [ASYNC] a in src/a.txt\n- [ ] T011 [P] [ASYNC] b in src/b.txt\n- [ ] T012 [P] [ASYNC] c in src/c.txt\n`,
      },
      { branch: '001-widgets' },
    );
    const runId = `restart-${Date.now().toString(36)}`;
    const ids = ['T010', 'T011', 'T012'];
    const cli = startCli(
      [
        'run',
        file,
        '--executor',
        'k8s',
        '-n',
        namespace,
        '--kubeconfig',
        kubeconfigPath(),
        '--run-id',
        runId,
        '--json',
        '--no-mark-done',
        '--pod-annotations',
        JSON.stringify({ '*': podFate({ outcome: 'succeed', delay: '50s' }) }),
      ],
      { cwd: repo.dir, env },
    );
    const pods = await Promise.all(ids.map((id) => runningPod(namespace, runId, id, cli, 60_000)));
    await Promise.all(ids.map((id, i) => writePodLog(namespace, pods[i] ?? '', 'agent', linesOf(id, 0, 50))));
    await cli.until(
      'the first 50 lines of every task',
      (p) => ids.every((id) => (logLines(p).get(id)?.length ?? 0) >= 50),
      30_000,
    );

    const downMs = await restartApiserver(async () => {
      // written while the apiserver is down (same seconds as the lines before: the resume must dedupe)
      await Promise.all(
        ids.map((id, i) => appendPodLog(namespace, pods[i] ?? '', 'agent', linesOf(id, 50, 100))),
      );
    });
    await Promise.all(
      ids.map(async (id, i) => {
        await appendPodLog(namespace, pods[i] ?? '', 'agent', linesOf(id, 100, 150));
        await appendPodLog(namespace, pods[i] ?? '', 'agent', [
          resultLine(id, `001-widgets-${id.toLowerCase()}`, 'f'.repeat(40)),
        ]);
      }),
    );
    const code = await cli.exited(150_000);
    console.info(`[restart] kube-apiserver was down for ${downMs} ms`);
    expect(code, cli.stderr).toBe(0);
    const logs = logLines(cli);
    for (const id of ids) expect(logs.get(id), id).toEqual(linesOf(id, 0, 150));
    const summary = summaryOf(cli);
    for (const id of ids) expect(summary[id]).toMatchObject({ outcome: 'succeeded', sha: 'f'.repeat(40) });
  }, 240_000);
});
