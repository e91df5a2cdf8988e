// vitest globalSetup of `pnpm test:e2e`: records the machine's state, starts (or reuses) the loopback control
// plane with its real node (`up.sh --real-node`), builds the agent and pause images locally
// (tools/agent-image) and imports the agent image into the node's containerd. Stops the node again at the
// end (unless KUBE_LOCAL_KEEP=1) and checks that it left nothing behind on the machine.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { kubeLocalBin } from '../../helm/src/cluster.js';
import { type HostState, readHostState } from './host-state.js';

export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const KUBE_LOCAL = join(REPO_ROOT, 'tools/kube-local');
const STATE = process.env.KUBE_LOCAL_STATE_DIR ?? join(REPO_ROOT, '.agentic-sdlc/kube-node');
const VETH = process.env.KUBE_LOCAL_NODE_VETH ?? 'asdlc-h0';
const NETNS = process.env.KUBE_LOCAL_NODE_NETNS ?? 'asdlc-node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The machine before the node started (null: the node was already running). */
    hostStateBefore: HostState | null;
    /** The agent image reference imported into the node (built from docker/agent/Dockerfile). */
    agentImage: string;
  }
}

function bash(script: string, args: string[] = [], capture = false): string {
  const res = spawnSync('bash', [script, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', capture ? 'pipe' : 'inherit', 'inherit'],
    env: { ...process.env, KUBE_LOCAL_REAL_NODE: '1' },
    timeout: 30 * 60_000,
  });
  if (res.status !== 0) {
    throw new Error(
      `${script} ${args.join(' ')} failed (exit ${res.status ?? res.signal}); see its output above`,
    );
  }
  return res.stdout ?? '';
}

function nodeRunning(): boolean {
  const kubeconfig = join(STATE, 'kubeconfig');
  if (!existsSync(kubeconfig)) return false;
  const kubectl = join(kubeLocalBin() ?? '', 'kubectl');
  const res = spawnSync(kubectl, ['--kubeconfig', kubeconfig, 'get', 'node', 'asdlc-node', '-o', 'name'], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  return res.status === 0;
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  process.env.KUBE_LOCAL_REAL_NODE = '1';
  let started = false;
  if (nodeRunning()) {
    console.error(`[e2e] reusing the running cluster with its real node (${STATE})`);
    project.provide('hostStateBefore', null);
  } else {
    project.provide('hostStateBefore', readHostState(VETH));
    console.error(
      '[e2e] starting the loopback control plane with a real node (tools/kube-local/up.sh --real-node)',
    );
    bash(join(KUBE_LOCAL, 'up.sh'), ['--real-node']);
    started = true;
  }

  const stop = () => {
    if (started && process.env.KUBE_LOCAL_KEEP !== '1') bash(join(KUBE_LOCAL, 'down.sh'), ['--real-node']);
  };
  try {
    console.error('[e2e] building the agent image from docker/agent/Dockerfile (tools/agent-image, cached)');
    const out = bash(join(REPO_ROOT, 'tools/agent-image/build.sh'), [], true).trim().split('\n').pop() ?? '';
    const images = JSON.parse(out) as { agent: { ref: string; tar: string } };
    bash(join(KUBE_LOCAL, 'node/import-image.sh'), [images.agent.tar, images.agent.ref]);
    project.provide('agentImage', images.agent.ref);
  } catch (error) {
    stop(); // no teardown runs when the setup throws: do not leave the node behind
    throw error;
  }

  return async () => {
    if (!started || process.env.KUBE_LOCAL_KEEP === '1') return;
    const cgroupFile = join(STATE, 'node', 'cgroup-root');
    const cgroupRoot = existsSync(cgroupFile) ? readFileSync(cgroupFile, 'utf8').trim() : '';
    stop();
    // Nothing of the node may survive it: namespace, veth, cgroups (in every hierarchy), processes.
    const left: string[] = [];
    if (existsSync(`/run/netns/${NETNS}`)) left.push(`netns ${NETNS}`);
    if (spawnSync('ip', ['link', 'show', VETH]).status === 0) left.push(`interface ${VETH}`);
    if (cgroupRoot !== '') {
      for (const h of readdirSync('/sys/fs/cgroup')) {
        if (existsSync(join('/sys/fs/cgroup', h, cgroupRoot))) left.push(`cgroup ${h}:${cgroupRoot}`);
      }
    }
    const procs = spawnSync('pgrep', ['-f', `${STATE}/node/containerd.sock`], {
      encoding: 'utf8',
    }).stdout.trim();
    if (procs !== '') left.push(`processes ${procs.split('\n').join(' ')}`);
    if (left.length > 0) throw new Error(`down.sh --real-node left behind: ${left.join(', ')}`);
  };
}
