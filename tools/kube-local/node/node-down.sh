#!/usr/bin/env bash
# Stops the real node (sourced by down.sh): kubelet, then every pod process of the node's cgroup subtree,
# the shims and containerd, the sandbox, the relay; deletes the network namespace and the veth pair and
# removes the node's cgroups. The node's mounts end with its mount namespace. Safe to run twice.
# shellcheck shell=bash
node_here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=node-lib.sh
. "$node_here/node-lib.sh"

stop_pid() { # name pid
  kill -TERM "$2" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$2" 2>/dev/null || break; sleep 0.2; done
  if kill -0 "$2" 2>/dev/null; then say "$1 (pid $2) ignored SIGTERM for 10s — SIGKILL"; kill -KILL "$2" 2>/dev/null || true; fi
  say "stopped $1 (pid $2)"
}

stop_recorded() { # component
  local f="$STATE/pids/$1.pid" pid
  [ -f "$f" ] || return 0
  if pid="$(recorded_pid "$1")"; then stop_pid "$1" "$pid"; fi
  rm -f "$f"
}

cgroup_root="$(cat "$NODE_DIR/cgroup-root" 2>/dev/null || true)"

# pids of every process in the node's cgroup subtree (pods and their sandboxes)
node_cgroup_pids() {
  [ -n "$cgroup_root" ] && [ -d "/sys/fs/cgroup/memory$cgroup_root" ] || return 0
  find "/sys/fs/cgroup/memory$cgroup_root" -name cgroup.procs -exec cat {} + 2>/dev/null | sort -u
}

stop_recorded node-kubelet
pods="$(node_cgroup_pids)"
if [ -n "$pods" ]; then
  say "killing $(echo "$pods" | wc -l) pod processes of the node"
  # shellcheck disable=SC2086
  kill -KILL $pods 2>/dev/null || true
fi
# The runc shims of this containerd (matched by its socket, so another containerd's shims are left alone).
for pid in $(pgrep -f "containerd-shim-runc-v2 .*-address $NODE_SOCK( |$)" || true); do stop_pid containerd-shim "$pid"; done
stop_recorded node-containerd
f="$STATE/pids/node-sandbox.pid"
if [ -f "$f" ]; then
  read -r pid _ < "$f"
  cmdline="$( { tr '\0' ' ' < "/proc/$pid/cmdline"; } 2>/dev/null || true)"
  if [ -n "$pid" ] && [[ "$cmdline" == *node-inside.sh* ]]; then stop_pid node-sandbox "$pid"; fi
  rm -f "$f"
fi
stop_recorded node-apiserver-relay

if [ -f "$NODE_DIR/network" ]; then
  read -r netns veth < "$NODE_DIR/network"
  ip link del "$veth" 2>/dev/null || true
  ip netns del "$netns" 2>/dev/null || true
  say "deleted netns $netns and veth $veth"
  rm -f "$NODE_DIR/network"
fi

if [ -n "$cgroup_root" ]; then
  for _ in 1 2 3 4 5; do
    left=0
    for h in /sys/fs/cgroup/*/; do
      d="${h%/}$cgroup_root"
      [ -d "$d" ] || continue
      find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
      [ -d "$d" ] && left=1
    done
    [ "$left" = 0 ] && break
    sleep 1
  done
  # Parents node-up.sh had to create (e.g. /process_api/<id> in hierarchies where it did not exist), deepest first.
  if [ -f "$NODE_DIR/cgroups-created" ]; then
    tac "$NODE_DIR/cgroups-created" | while read -r d; do rmdir "$d" 2>/dev/null || true; done
  fi
  if [ "$left" = 0 ]; then say "removed cgroups $cgroup_root"; else say "warning: some cgroups under $cgroup_root remain (processes still exiting?)"; fi
  rm -f "$NODE_DIR/cgroup-root" "$NODE_DIR/cgroups-created"
fi
