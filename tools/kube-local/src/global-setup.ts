// vitest globalSetup for cluster tests: reuses a running loopback cluster (kubeconfig present and /readyz ok)
// or starts one with up.sh and stops it again with down.sh when the run ends.
// KUBE_LOCAL_KEEP=1 leaves a cluster started here running.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { clusterReady, kubeconfigPath, packageDir } from './testing.js';

function run(script: 'up.sh' | 'down.sh'): void {
  const res = spawnSync('bash', [join(packageDir(), script)], { stdio: 'inherit' });
  if (res.status !== 0) {
    throw new Error(
      `tools/kube-local/${script} failed (exit ${res.status ?? res.signal}); see its output above`,
    );
  }
}

export default async function setup(): Promise<() => Promise<void>> {
  let started = false;
  if (await clusterReady()) {
    console.error(`[kube-local] reusing the running cluster (${kubeconfigPath()})`);
  } else {
    console.error('[kube-local] no running cluster — starting one (tools/kube-local/up.sh)');
    run('up.sh');
    started = true;
  }
  return async () => {
    if (started && process.env.KUBE_LOCAL_KEEP !== '1') run('down.sh');
  };
}
