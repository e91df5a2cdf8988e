#!/usr/bin/env bash
# Runs INSIDE the node's sandbox (started by node-up.sh through `nsenter --net=<node netns> unshare --mount`):
# gives containerd and kubelet their own mounts, imports the pause image, starts both and waits for them.
# Its own network namespace and mount namespace end with it; nothing here is visible to the machine.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../versions.sh
. "$here/../versions.sh"
# shellcheck source=../lib.sh
. "$here/../lib.sh"
# shellcheck source=node-lib.sh
. "$here/node-lib.sh"
say() { printf '[node] %s\n' "$*"; }

# kubelet makes its root dir rshared; / is private on this machine, so make our private copy shared.
mount --make-rshared /
# The node's own /run, /var/lib and /var/log (containerd's shim hard-codes /run/containerd, libcni writes
# /var/lib/cni, kubelet links /var/log/containers): bind our folders over them, in this namespace only.
for d in run var-lib var-log; do
  mkdir -p "$NODE_DIR/fs/$d"
  mount --bind "$NODE_DIR/fs/$d" "/${d//-//}"
done
mkdir -p /run/containerd /var/lib/cni /var/log/pods /var/log/containers
# kubelet's kernel tunables, seen through files of ours (see node-lib.sh): the machine's stay as they are.
mkdir -p "$NODE_DIR/sysctl"
for kv in "${NODE_KERNEL_TUNABLES[@]}"; do
  key="${kv%%=*}" value="${kv#*=}"
  file="$NODE_DIR/sysctl/${key//\//.}"
  echo "$value" > "$file"
  mount --bind "$file" "/proc/sys/$key"
done

children=()
stop_children() {
  local pid
  for pid in "${children[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
}
trap 'stop_children; exit 0' TERM INT

start_child() { # name bin args…  (pid file read by node-down.sh and lib.sh's recorded_pid)
  local name=$1 bin=$2; shift 2
  "$bin" "$@" > "$STATE/logs/node-$name.log" 2>&1 < /dev/null &
  children+=("$!")
  echo "$! $bin" > "$STATE/pids/node-$name.pid"
}

say "starting containerd ($(containerd --version | awk '{print $3}')) on $NODE_SOCK"
start_child containerd "$(command -v containerd)" --config "$NODE_DIR/containerd.toml"
for _ in $(seq 1 150); do
  ctr --address "$NODE_SOCK" version >/dev/null 2>&1 && break
  kill -0 "${children[0]}" 2>/dev/null || { say "containerd exited"; exit 1; }
  sleep 0.2
done
ctr --address "$NODE_SOCK" version >/dev/null || { say "containerd not ready after 30 s"; exit 1; }

say "importing the pause image $PAUSE_IMAGE"
import_image "$PAUSE_TAR" "$PAUSE_IMAGE" || exit 1

say "starting kubelet $("$KUBE_LOCAL_BIN/kubelet" --version | awk '{print $2}') as node $NODE_NAME ($NODE_IP)"
start_child kubelet "$KUBE_LOCAL_BIN/kubelet" \
  --config="$NODE_DIR/kubelet.yaml" --kubeconfig="$NODE_DIR/kubelet.kubeconfig" \
  --root-dir="$NODE_DIR/kubelet" --hostname-override="$NODE_NAME" --node-ip="$NODE_IP" \
  --node-labels="agentic-sdlc.dev/node=real" --v=2

# Either child ending ends the node (node-down.sh stops the other).
wait -n "${children[@]}" || true
say "a node process ended; stopping the others"
stop_children
wait || true
