# Shared by node-up.sh, node-inside.sh and node-down.sh (sourced after lib.sh): the real node's names,
# addresses and folders. Everything it creates lives under $NODE_DIR, in its own network namespace, or in
# its own cgroup subtree; the only host-side objects are the veth end $NODE_VETH_HOST and its /30 route.
# shellcheck shell=bash
NODE_NAME="${KUBE_LOCAL_NODE_NAME:-asdlc-node}"
NODE_NETNS="${KUBE_LOCAL_NODE_NETNS:-asdlc-node}"
NODE_VETH_HOST="${KUBE_LOCAL_NODE_VETH:-asdlc-h0}"
# The veth pair's /30: .1 on the host side (the control plane relay, the git server and the model bind
# here), .2 inside the node (kubelet). Pods get addresses from NODE_POD_CIDR on a bridge inside the node
# and reach the host through the node's masquerade (rules in the node's netns only).
NODE_HOST_IP="${KUBE_LOCAL_NODE_HOST_IP:-10.250.0.1}"
NODE_IP="${KUBE_LOCAL_NODE_IP:-10.250.0.2}"
NODE_POD_CIDR="${KUBE_LOCAL_NODE_POD_CIDR:-10.251.0.0/24}"
NODE_DIR="$STATE/node"
NODE_SOCK="$NODE_DIR/containerd.sock"
CNI_BIN_DIR="${KUBE_LOCAL_CNI_BIN_DIR:-/usr/lib/cni}"
# The pause image containerd uses for every pod sandbox (built locally by tools/agent-image; never pulled).
PAUSE_IMAGE="${KUBE_LOCAL_PAUSE_IMAGE:-localhost/agentic-sdlc/pause:3.10}"
# kubelet's kernel tunables (pkg/kubelet/cm/container_manager_linux.go, setupKernelTunables): the values it
# wants. protectKernelDefaults=true makes it only READ them; node-inside.sh shows it these values through
# bind mounts in the node's own mount namespace, so the machine's real settings are never written.
NODE_KERNEL_TUNABLES=(
  "vm/overcommit_memory=1" "vm/panic_on_oom=0" "kernel/panic=10" "kernel/panic_on_oops=1"
  "kernel/keys/root_maxkeys=1000000" "kernel/keys/root_maxbytes=25000000"
)

# The cgroup (v1, cgroupfs driver) every pod of the node lives under: below this process's own memory
# cgroup, so pods stay inside the machine's memory accounting. Same path in every hierarchy.
node_cgroup_root() {
  local mem
  mem="$(awk -F: '$2 == "memory" { print $3 }' /proc/self/cgroup)"
  [ "$mem" = / ] && mem=""
  echo "${mem}/$NODE_NAME"
}

node_recorded_pid() { recorded_pid "node-$1"; }

node_ready() {
  [ "$(kc get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]
}

# import_image <OCI layout tar> <ref>: into containerd's k8s.io namespace (what kubelet sees), under <ref>.
# An OCI layout names its image by tag only (org.opencontainers.image.ref.name): --base-name adds the rest.
import_image() {
  local images
  ctr --address "$NODE_SOCK" -n k8s.io images import --base-name "${2%:*}" "$1" >/dev/null
  # Read the whole list first: `ctr … | grep -q` under pipefail fails when grep stops reading early.
  images="$(ctr --address "$NODE_SOCK" -n k8s.io images ls -q)"
  grep -qxF "$2" <<< "$images" && return 0
  echo "error: $1 holds no image that imports as $2 (images now: $(tr '\n' ' ' <<< "$images"))" >&2
  return 1
}
