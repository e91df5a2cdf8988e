// What the real node must leave alone on the machine: kernel-wide settings, interfaces and addresses,
// routes and firewall rules. Read before the node starts and compared while its pods run.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';

/** Kernel-wide settings kubelet, containerd or the CNI plugins would write on an ordinary node. */
export const WATCHED_SYSCTLS = [
  'vm/overcommit_memory',
  'vm/panic_on_oom',
  'kernel/panic',
  'kernel/panic_on_oops',
  'kernel/keys/root_maxkeys',
  'kernel/keys/root_maxbytes',
  'net/ipv4/ip_forward',
  'net/bridge/bridge-nf-call-iptables',
  'fs/inotify/max_user_instances',
  'fs/inotify/max_user_watches',
] as const;

export interface HostState {
  sysctls: Record<string, string>;
  /** `ip -br addr` lines (interface, state, addresses). */
  interfaces: string[];
  /** `ip route show table all` lines. */
  routes: string[];
  /** sha256 of the host's `nft list ruleset` (null: nft is not installed). */
  firewall: string | null;
}

function run(cmd: string, args: string[]): string | null {
  try {
    return execFileSync(cmd, args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 10_000,
    });
  } catch {
    return null;
  }
}

/** The machine's state, leaving out the node's own veth end `ignoreInterface` (the one thing it adds). */
export function readHostState(ignoreInterface: string): HostState {
  const sysctls: Record<string, string> = {};
  for (const key of WATCHED_SYSCTLS) {
    const file = `/proc/sys/${key}`;
    if (existsSync(file)) sysctls[key] = readFileSync(file, 'utf8').trim();
  }
  const lines = (text: string | null) =>
    (text ?? '')
      .split('\n')
      .map((l) => l.trim().replace(/\s+/g, ' '))
      .filter(
        (l) => l !== '' && !l.split(' ').includes(ignoreInterface) && !l.startsWith(`${ignoreInterface}@`),
      )
      .sort();
  const ruleset = run('nft', ['list', 'ruleset']);
  return {
    sysctls,
    interfaces: lines(run('ip', ['-br', 'addr'])),
    routes: lines(run('ip', ['route', 'show', 'table', 'all'])),
    firewall: ruleset === null ? null : createHash('sha256').update(ruleset).digest('hex'),
  };
}
