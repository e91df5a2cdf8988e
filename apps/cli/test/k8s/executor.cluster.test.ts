// `asdlc run --executor k8s` and the run commands against the loopback control plane (tools/kube-local):
// real apiserver, RBAC, Job controller, watch and pods/log; kwok plays the kubelet and this test plays the
// agent (it writes each pod's log and picks its fate with pod annotations passed through --pod-annotations).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { appendPodLog, podFate, withNamespace, writePodLog } from '@agentic-sdlc/kube-local/testing';
import { taskJobName } from '@agentic-sdlc/pod-launcher';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { asdlc, git, makeRepo, removeTempDirs, type TempRepo } from '../helpers.js';
import {
  adminKubeconfig,
  type CliProcess,
  installRelease,
  LAUNCHER_ROLE,
  linesOf,
  logLines,
  resultLine,
  runningPod,
  serviceAccountKubeconfig,
  startCli,
  summaryOf,
} from './cluster-helpers.js';

const ns = withNamespace('cli-k8s', {
  'pod-security.kubernetes.io/enforce': 'restricted',
  'pod-security.kubernetes.io/enforce-version': 'latest',
});

const TASKS = `# Tasks: Widgets

## Phase 1: Setup

- [X] T001 Create the project

## Phase 2: User Story 1 - Widgets (Priority: P1)

- [ ] T010 [P] [ASYNC] [US1] Widget a in src/a.txt
- [ ] T011 [P] [ASYNC] [US1] Widget b in src/b.txt
- [ ] T012 [P] [ASYNC] [US1] Widget c in src/c.txt
- [ ] T013 [P] [ASYNC] [US1] Widget d in src/d.txt
- [ ] T014 [P] [ASYNC] [US1] Widget e in src/e.txt
- [ ] T020 [P] [ASYNC] [US1] Widget that hangs in src/f.txt
- [ ] T030 [P] [ASYNC] [US1] Widget without its secret in src/g.txt
- [ ] T031 [P] [ASYNC] [US1] Widget with a bad image in src/h.txt
- [ ] T032 [P] [ASYNC] [US1] Widget that works in src/i.txt
- [ ] T040 [P] [ASYNC] [US1] Widget to detach from in src/j.txt
- [ ] T041 [P] [ASYNC] [US1] Another widget to detach from in src/k.txt
- [ ] T050 [P] [ASYNC] [US1] Widget for the launcher identity in src/l.txt
- [ ] T060 [P] [ASYNC] [US1] Widget to cancel in src/m.txt
`;
const FEATURE = '001-widgets';
const FILE = `specs/${FEATURE}/tasks.md`;

let repo: TempRepo;
let runCounter = 0;
const newRunId = () => `cli-${Date.now().toString(36)}-${++runCounter}`;

beforeAll(async () => {
  // The dev profile caps runs at 4 Jobs at once; these tests run 5 side by side.
  await installRelease(ns.kc, ns.name, { 'agentic-sdlc-agent-runner.profile.parallelism': '8' });
  repo = makeRepo({ [FILE]: TASKS, 'README.md': '# widgets\n' }, { branch: FEATURE });
}, 120_000);
afterAll(removeTempDirs);

function k8sArgs(runId: string, extra: string[] = [], kubeconfig = adminKubeconfig()): string[] {
  return [
    'run',
    FILE,
    '--executor',
    'k8s',
    '--namespace',
    ns.name,
    '--kubeconfig',
    kubeconfig,
    '--run-id',
    runId,
    '--no-mark-done',
    ...extra,
  ];
}

const annotations = (byTask: Record<string, Record<string, string>>) => [
  '--pod-annotations',
  JSON.stringify(byTask),
];

/** Plays one pod: waits for it to run, writes `lines` (in parts, several per second), then the result line. */
async function playPod(
  cli: CliProcess,
  runId: string,
  task: string,
  lines: string[],
  sha: string,
): Promise<void> {
  const pod = await runningPod(ns.name, runId, task, cli);
  const half = Math.floor(lines.length / 2);
  await writePodLog(ns.name, pod, 'agent', lines.slice(0, half));
  await new Promise((r) => setTimeout(r, 300));
  await appendPodLog(ns.name, pod, 'agent', lines.slice(half));
  await appendPodLog(ns.name, pod, 'agent', [resultLine(task, `${FEATURE}-${task.toLowerCase()}`, sha)]);
}

describe('asdlc run --executor k8s (loopback cluster)', () => {
  test('5 [ASYNC] tasks: 5 Jobs in parallel, all logs in one stream (each line once), summary of all 5', async () => {
    const runId = newRunId();
    const ids = ['T010', 'T011', 'T012', 'T013', 'T014'];
    const startedAt = Date.now();
    const cli = startCli(
      k8sArgs(runId, [
        '--tasks',
        ids.join(','),
        '--parallel',
        '5',
        '--json',
        ...annotations({ '*': podFate({ outcome: 'succeed', delay: '14s' }) }),
      ]),
      { cwd: repo.dir },
    );
    const expected = new Map(ids.map((id) => [id, linesOf(id, 0, 200)]));
    await Promise.all(
      ids.map((id, i) => playPod(cli, runId, id, expected.get(id) ?? [], `${i}`.repeat(40).slice(0, 40))),
    );
    const code = await cli.exited(90_000);
    expect(cli.stderr).toBe('');
    expect(code).toBe(0);

    // one stream, prefixed by task, every line exactly once and in order; no result line shown
    const logs = logLines(cli);
    for (const id of ids) expect(logs.get(id), id).toEqual(expected.get(id));
    expect(cli.records().filter((r) => r.type === 'log')).toHaveLength(5 * 200);

    const summary = summaryOf(cli);
    expect(Object.keys(summary).sort()).toEqual(ids);
    ids.forEach((id, i) => {
      expect(summary[id], id).toMatchObject({
        outcome: 'succeeded',
        branch: `${FEATURE}-${id.toLowerCase()}`,
        sha: `${i}`.repeat(40).slice(0, 40),
        pushed: true,
      });
    });

    // the 5 Jobs were created together, not one after the other finished
    const batch = ns.kc.makeApiClient(k8s.BatchV1Api);
    const jobs = await batch.listNamespacedJob({
      namespace: ns.name,
      labelSelector: `agentic-sdlc.dev/run=${runId}`,
    });
    expect(jobs.items).toHaveLength(5);
    const created = jobs.items.map((j) => new Date(j.metadata?.creationTimestamp ?? 0).getTime());
    expect(Math.max(...created) - Math.min(...created)).toBeLessThanOrEqual(2000);
    console.info(
      `[5 jobs] creation spread ${Math.max(...created) - Math.min(...created)} ms (1 s resolution); run took ${Date.now() - startedAt} ms`,
    );

    // the run record: executor, namespace, every task finished
    const run = JSON.parse(
      readFileSync(join(repo.dir, '.agentic-sdlc', 'runs', runId, 'run.json'), 'utf8'),
    ) as { executor: string; kube: { namespace: string }; state: string; tasks: { state: string }[] };
    expect(run).toMatchObject({ executor: 'k8s', kube: { namespace: ns.name }, state: 'finished' });
    expect(run.tasks.every((t) => t.state === 'finished')).toBe(true);

    // status and logs read the cluster for this run
    const status = asdlc(['status', runId, '--json'], { cwd: repo.dir });
    expect(status.status).toBe(0);
    const view = JSON.parse(status.stdout) as { executor: string; tasks: { id: string; state: string }[] };
    expect(view.executor).toBe('k8s');
    expect(view.tasks.map((t) => [t.id, t.state])).toEqual(ids.map((id) => [id, 'succeeded']));

    const tail = asdlc(['logs', 'T012', '--run', runId, '--tail', '3', '--json'], { cwd: repo.dir });
    expect(tail.status).toBe(0);
    expect(
      tail.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).line),
    ).toEqual(expected.get('T012')?.slice(-3));

    const text = asdlc(['logs', 'T013', 'T014', '--run', runId, '--no-json'], { cwd: repo.dir });
    expect(text.status).toBe(0);
    const textLines = text.stdout.trim().split('\n');
    expect(textLines).toHaveLength(400);
    expect(textLines[0]).toMatch(/^T013 .*T013 line 000$/);
    expect(textLines[399]).toMatch(/^T014 .*T014 line 199$/);
  }, 150_000);

  test("timeout: a pod that never finishes is reported timed out by the Job controller's DeadlineExceeded", async () => {
    const runId = newRunId();
    const cli = startCli(
      k8sArgs(runId, [
        '--tasks',
        'T020',
        '--timeout',
        '4s',
        '--startup-allowance',
        '2',
        '--parallel',
        '20',
        '--json',
        ...annotations({ T020: podFate({ outcome: 'hang' }) }),
      ]),
      { cwd: repo.dir },
    );
    const pod = await runningPod(ns.name, runId, 'T020', cli);
    await writePodLog(ns.name, pod, 'agent', ['working on it']);
    const code = await cli.exited(60_000);
    expect(code).toBe(1);
    const summary = summaryOf(cli);
    expect(summary.T020).toMatchObject({
      outcome: 'timed-out',
      reason: "timed out after 6s (the Job's activeDeadlineSeconds)",
    });
    const reported = cli.records().find((r) => r.type === 'status' && r.state === 'timed-out');
    const job = await ns.kc
      .makeApiClient(k8s.BatchV1Api)
      .readNamespacedJob({ namespace: ns.name, name: taskJobName(runId, 'T020') });
    const startedAt = new Date(job.status?.startTime ?? 0).getTime();
    const reportedAt = Date.parse(String(reported?.ts));
    // reported within 10 s of the deadline (activeDeadlineSeconds 6 from the Job's start)
    expect(reportedAt - startedAt).toBeGreaterThanOrEqual(6_000 - 1_000);
    expect(reportedAt - startedAt).toBeLessThan(6_000 + 10_000);
    console.info(`[timeout] timed-out reported ${reportedAt - startedAt - 6_000} ms after the 6 s deadline`);
    expect(logLines(cli).get('T020')).toEqual(['working on it']);
    // --parallel above the profile's cap (8 here) is clamped to it.
    const record = JSON.parse(readFileSync(join(repo.dir, '.agentic-sdlc/runs', runId, 'run.json'), 'utf8'));
    expect(record.kube.parallel).toBe(8);
  }, 90_000);

  test('failure reasons per task (missing secret key, image pull) while the other task goes on', async () => {
    const runId = newRunId();
    const cli = startCli(
      k8sArgs(runId, [
        '--tasks',
        'T030,T031,T032',
        ...annotations({
          T030: podFate({
            outcome: 'waiting',
            reason: 'CreateContainerConfigError',
            message: `couldn't find key anthropic-api-key in Secret ${ns.name}/agentic-sdlc-agent-runner-dev-credentials`,
          }),
          T031: podFate({
            outcome: 'waiting',
            reason: 'ErrImagePull',
            message: 'failed to pull image "ghcr.io/your-org/asdlc-agent:0.1.0": not found',
          }),
          T032: podFate({ outcome: 'succeed', delay: '10s' }),
        }),
      ]),
      { cwd: repo.dir },
    );
    await playPod(cli, runId, 'T032', linesOf('T032', 0, 20), 'c'.repeat(40));
    const code = await cli.exited(60_000);
    expect(code).toBe(1);
    const out = cli.stdout;
    // text mode: lines prefixed by the task id, reasons in the summary table
    expect(out).toMatch(/^T032 .*T032 line 000$/m);
    expect(out).toMatch(/^T032 .*T032 line 019$/m);
    expect(out).toMatch(
      /^T030 +failed .*missing key "anthropic-api-key" in Secret "agentic-sdlc-agent-runner-dev-credentials" \(CreateContainerConfigError\)/m,
    );
    expect(out).toMatch(
      /^T031 +failed .*cannot pull image ghcr\.io\/your-org\/asdlc-agent:0\.1\.0 \(ErrImagePull\)/m,
    );
    expect(out).toMatch(/^T032 +succeeded +001-widgets-t032 +cccccccccc/m);
    expect(out).toMatch(/1\/3 task\(s\) succeeded/);
  }, 90_000);

  test('detach with Ctrl-C, attach resumes: no line lost or repeated', async () => {
    const runId = newRunId();
    const ids = ['T040', 'T041'];
    const cli = startCli(
      k8sArgs(runId, [
        '--tasks',
        ids.join(','),
        '--json',
        ...annotations({ '*': podFate({ outcome: 'succeed', delay: '30s' }) }),
      ]),
      { cwd: repo.dir },
    );
    const pods = await Promise.all(ids.map((id) => runningPod(ns.name, runId, id, cli)));
    await Promise.all(ids.map((id, i) => writePodLog(ns.name, pods[i] ?? '', 'agent', linesOf(id, 0, 40))));
    await cli.until(
      'the first 40 lines of both tasks',
      (p) => ids.every((id) => (logLines(p).get(id)?.length ?? 0) >= 40),
      20_000,
    );
    cli.child.kill('SIGINT');
    expect(await cli.exited(20_000)).toBe(130);
    expect(cli.stderr).toContain(`asdlc attach ${runId}`);
    expect(cli.records().at(-1)).toMatchObject({ type: 'detached', runId, attach: `asdlc attach ${runId}` });
    // the Jobs keep running
    const batch = ns.kc.makeApiClient(k8s.BatchV1Api);
    const jobs = await batch.listNamespacedJob({
      namespace: ns.name,
      labelSelector: `agentic-sdlc.dev/run=${runId}`,
    });
    expect(jobs.items.map((j) => j.status?.active)).toEqual([1, 1]);

    // more output while nobody follows, in the same seconds as the last lines seen
    await Promise.all(
      ids.map(async (id, i) => {
        await appendPodLog(ns.name, pods[i] ?? '', 'agent', linesOf(id, 40, 80));
        await appendPodLog(ns.name, pods[i] ?? '', 'agent', [
          resultLine(id, `${FEATURE}-${id.toLowerCase()}`, 'd'.repeat(40)),
        ]);
      }),
    );
    const status = asdlc(['status', runId, '--json'], { cwd: repo.dir });
    expect(JSON.parse(status.stdout)).toMatchObject({ state: 'detached' });

    const attach = startCli(['attach', runId, '--json'], { cwd: repo.dir });
    const code = await attach.exited(90_000);
    expect(attach.stderr).toBe('');
    expect(code).toBe(0);
    const all = logLines(cli, attach);
    for (const id of ids) expect(all.get(id), id).toEqual(linesOf(id, 0, 80));
    // attach showed only what was new
    for (const id of ids) expect(logLines(attach).get(id)?.[0], id).toBe(`${id} line 040`);
    const summary = summaryOf(attach);
    for (const id of ids) expect(summary[id]).toMatchObject({ outcome: 'succeeded', sha: 'd'.repeat(40) });
  }, 150_000);

  test("RBAC: the chart's launcher Role runs everything; without delete, cleanup names the missing permission", async () => {
    const launcher = await serviceAccountKubeconfig(ns.kc, ns.name, 'ci-launcher', LAUNCHER_ROLE);
    const runId = newRunId();
    const cli = startCli(
      k8sArgs(
        runId,
        ['--tasks', 'T050', '--json', ...annotations({ '*': podFate({ outcome: 'succeed', delay: '6s' }) })],
        launcher,
      ),
      { cwd: repo.dir },
    );
    await playPod(cli, runId, 'T050', linesOf('T050', 0, 10), 'e'.repeat(40));
    const code = await cli.exited(60_000);
    expect(cli.stderr).toBe('');
    expect(code).toBe(0);
    expect(logLines(cli).get('T050')).toEqual(linesOf('T050', 0, 10));
    expect(summaryOf(cli).T050).toMatchObject({ outcome: 'succeeded' });
    const status = asdlc(['status', runId, '--json', '--kubeconfig', launcher], { cwd: repo.dir });
    expect(status.status).toBe(0);
    const logs = asdlc(['logs', '--run', runId, '--json', '--kubeconfig', launcher], { cwd: repo.dir });
    expect(logs.status).toBe(0);
    expect(logs.stdout.trim().split('\n')).toHaveLength(10);

    // The same Role without "delete" on Jobs: cleanup fails naming the permission.
    const rbac = ns.kc.makeApiClient(k8s.RbacAuthorizationV1Api);
    const role = await rbac.readNamespacedRole({ namespace: ns.name, name: LAUNCHER_ROLE });
    await rbac.createNamespacedRole({
      namespace: ns.name,
      body: {
        metadata: { name: 'launcher-no-delete' },
        rules: (role.rules ?? []).map((r) =>
          r.resources?.includes('jobs') ? { ...r, verbs: r.verbs.filter((v) => v !== 'delete') } : r,
        ),
      },
    });
    const noDelete = await serviceAccountKubeconfig(ns.kc, ns.name, 'ci-no-delete', 'launcher-no-delete');
    const denied = asdlc(
      ['cleanup', '--namespace', ns.name, '--kubeconfig', noDelete, '--older-than', '0s'],
      { cwd: repo.dir },
    );
    expect(denied.status).toBe(1);
    expect(denied.stderr).toContain(
      `forbidden: "system:serviceaccount:${ns.name}:ci-no-delete" cannot delete jobs.batch in ${ns.name} — the launcher Role needs "delete" on jobs.batch`,
    );

    // With the launcher Role: a dry run lists, then cleanup deletes finished Jobs of this tool only.
    const batch = ns.kc.makeApiClient(k8s.BatchV1Api);
    await batch.createNamespacedJob({
      namespace: ns.name,
      body: {
        metadata: { name: 'not-ours', labels: { 'app.kubernetes.io/managed-by': 'someone-else' } },
        spec: {
          template: {
            metadata: { annotations: podFate({ outcome: 'succeed', delay: '1s' }) },
            spec: {
              restartPolicy: 'Never',
              containers: [
                {
                  name: 'c',
                  image: 'x',
                  securityContext: {
                    runAsNonRoot: true,
                    runAsUser: 1000,
                    allowPrivilegeEscalation: false,
                    capabilities: { drop: ['ALL'] },
                    seccompProfile: { type: 'RuntimeDefault' },
                  },
                },
              ],
            },
          },
        },
      },
    });
    const dry = asdlc(
      ['cleanup', '-n', ns.name, '--kubeconfig', launcher, '--older-than', '0s', '--dry-run', '--json'],
      { cwd: repo.dir },
    );
    expect(dry.status).toBe(0);
    const planned = JSON.parse(dry.stdout) as { k8s: { deleted: string[]; kept: string[] } };
    expect(planned.k8s.deleted).toContain(taskJobName(runId, 'T050'));
    expect([...planned.k8s.deleted, ...planned.k8s.kept]).not.toContain('not-ours');
    expect(
      (await batch.readNamespacedJob({ namespace: ns.name, name: taskJobName(runId, 'T050') })).metadata
        ?.name,
    ).toBe(taskJobName(runId, 'T050'));
    const cleaned = asdlc(
      ['cleanup', '-n', ns.name, '--kubeconfig', launcher, '--older-than', '0s', '--json'],
      {
        cwd: repo.dir,
      },
    );
    expect(cleaned.status).toBe(0);
    expect((JSON.parse(cleaned.stdout) as { k8s: { deleted: string[] } }).k8s.deleted).toContain(
      taskJobName(runId, 'T050'),
    );
    const left = await batch.listNamespacedJob({
      namespace: ns.name,
      labelSelector: `agentic-sdlc.dev/run=${runId}`,
    });
    expect(left.items.filter((j) => !j.metadata?.deletionTimestamp)).toEqual([]);
  }, 150_000);

  test('cancel: a task of a detached run, then Ctrl-C twice cancels a run (non-TTY)', async () => {
    // asdlc cancel <task> on a detached run
    const runId = newRunId();
    const cli = startCli(
      k8sArgs(runId, ['--tasks', 'T060', '--json', ...annotations({ '*': podFate({ outcome: 'hang' }) })]),
      { cwd: repo.dir },
    );
    await runningPod(ns.name, runId, 'T060', cli);
    await cli.until('the task to run', (p) => p.records().some((r) => r.state === 'running'), 20_000);
    cli.child.kill('SIGINT');
    expect(await cli.exited(20_000)).toBe(130);
    const cancel = asdlc(['cancel', 'T060', '--run', runId, '--json'], { cwd: repo.dir });
    expect(cancel.stderr).toBe('');
    expect(cancel.status).toBe(0);
    expect(JSON.parse(cancel.stdout)).toMatchObject({
      runId,
      tasks: ['T060'],
      deleted: [taskJobName(runId, 'T060')],
    });
    const status = JSON.parse(asdlc(['status', runId, '--json'], { cwd: repo.dir }).stdout) as {
      tasks: { id: string; state: string; outcome: string }[];
    };
    expect(status.tasks[0]).toMatchObject({ id: 'T060', outcome: 'cancelled' });

    // Ctrl-C twice within 2 s: the run's Jobs are deleted
    const second = newRunId();
    const run2 = startCli(
      k8sArgs(second, ['--tasks', 'T060', '--json', ...annotations({ '*': podFate({ outcome: 'hang' }) })]),
      { cwd: repo.dir },
    );
    await runningPod(ns.name, second, 'T060', run2);
    await run2.until('the task to run', (p) => p.records().some((r) => r.state === 'running'), 20_000);
    run2.child.kill('SIGINT');
    await new Promise((r) => setTimeout(r, 300));
    run2.child.kill('SIGINT');
    expect(await run2.exited(20_000)).toBe(130);
    expect(run2.stderr).toContain(`Cancelled run ${second}: deleted 1 Job(s)`);
    const batch = ns.kc.makeApiClient(k8s.BatchV1Api);
    const left = await batch.listNamespacedJob({
      namespace: ns.name,
      labelSelector: `agentic-sdlc.dev/run=${second}`,
    });
    expect(left.items.filter((j) => !j.metadata?.deletionTimestamp)).toEqual([]);
  }, 120_000);

  test('a missing profile names the helm command; an unpushed base branch is refused', () => {
    const missing = asdlc(
      [
        'run',
        FILE,
        '--executor',
        'k8s',
        '--env',
        'stg',
        '--kubeconfig',
        adminKubeconfig(),
        '--tasks',
        'T010',
      ],
      { cwd: repo.dir },
    );
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain(
      'helm upgrade --install agentic-sdlc-agent-runner-stg releases/agentic-sdlc-agent-runner-stg -n agent-runner-stg --create-namespace',
    );
    const local = makeRepo({ [FILE]: TASKS }, { branch: FEATURE, remote: false });
    const noRemote = asdlc(k8sArgs(newRunId(), ['--tasks', 'T010']), { cwd: local.dir });
    expect(noRemote.status).toBe(2);
    expect(noRemote.stderr).toContain('no git remote "origin"');
    const ahead = makeRepo({ [FILE]: TASKS }, { branch: FEATURE });
    git(ahead.dir, 'commit', '-q', '--allow-empty', '-m', 'not pushed');
    const unpushed = asdlc(k8sArgs(newRunId(), ['--tasks', 'T010']), { cwd: ahead.dir });
    expect(unpushed.status).toBe(2);
    expect(unpushed.stderr).toContain(`Push first: git push origin ${FEATURE}`);
  }, 60_000);
});
