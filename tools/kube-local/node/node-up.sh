#!/usr/bin/env bash
# Starts the real node beside a running loopback control plane (sourced by up.sh --real-node, after the
# control plane is up): containerd (Debian) + kubelet (built by build.sh from the same k8s.io/kubernetes
# module) in their own network and mount namespaces, pod networking from Debian's CNI plugins, reached from
# the machine over one veth pair. Needs root, cgroup v1, and the pause image tarball in $PAUSE_TAR.
# shellcheck shell=bash
node_here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=node-lib.sh
. "$node_here/node-lib.sh"

node_fail() { # reason
  say "error: real node: $1"
  for f in node-sandbox node-containerd node-kubelet; do
    [ -f "$STATE/logs/$f.log" ] || continue
    say "last lines of $STATE/logs/$f.log:"
    tail -n 30 "$STATE/logs/$f.log" | sed 's/^/    /' >&2
  done
  say "stopping what was started"
  bash "$here/down.sh" --real-node >&2 || true
  exit 1
}

# --- prerequisites (clear errors, nothing half-started) --------------------------------------------------
[ "$(id -u)" = 0 ] || node_fail "needs root (network and mount namespaces, cgroups); run as root"
for tool in containerd ctr runc ip nsenter unshare socat iptables; do
  command -v "$tool" >/dev/null || node_fail "$tool is missing — run \`bash tools/kube-local/node/install-deps.sh\`"
done
for plugin in bridge host-local loopback; do
  [ -x "$CNI_BIN_DIR/$plugin" ] || node_fail "CNI plugin $CNI_BIN_DIR/$plugin is missing — install Debian's containernetworking-plugins"
done
[ -x "$KUBE_LOCAL_BIN/kubelet" ] || node_fail "$KUBE_LOCAL_BIN/kubelet is missing — run \`pnpm cluster:build\`"
[ -d /sys/fs/cgroup/memory ] || node_fail "cgroup v1 memory hierarchy not found at /sys/fs/cgroup/memory (this node setup is for cgroup v1 hosts)"
[ -n "${PAUSE_TAR:-}" ] && [ -f "$PAUSE_TAR" ] || node_fail "PAUSE_TAR (the pause image tarball) is not set or missing"
if [ -e "/run/netns/$NODE_NETNS" ] || ip link show "$NODE_VETH_HOST" >/dev/null 2>&1; then
  node_fail "netns $NODE_NETNS or interface $NODE_VETH_HOST already exists (a node of another state dir?) — run its \`down.sh --real-node\` or set KUBE_LOCAL_NODE_NETNS/KUBE_LOCAL_NODE_VETH"
fi

# --- folders, PKI, configs -------------------------------------------------------------------------------
rm -rf "${NODE_DIR:?}"
mkdir -p "$NODE_DIR"/{containerd/root,containerd/state,containerd/opt,cni/net.d,cni/ipam,kubelet,pod-logs,fs}
pki="$STATE/pki"
( cd "$pki"
  _leaf kubelet-client "/O=system:nodes/CN=system:node:$NODE_NAME" clientAuth
  _leaf kubelet-serving "/O=system:nodes/CN=system:node:$NODE_NAME" serverAuth "DNS:$NODE_NAME,IP:$NODE_IP"
  chmod 600 ./*.key )

# kubelet reaches the apiserver through the relay on the host end of the veth; the serving cert is for
# localhost/127.0.0.1, so the kubeconfig names that server.
cat > "$NODE_DIR/kubelet.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: kube-local
  cluster:
    server: https://$NODE_HOST_IP:$P_API
    tls-server-name: localhost
    certificate-authority: $pki/ca.crt
users:
- name: $NODE_NAME
  user:
    client-certificate: $pki/kubelet-client.crt
    client-key: $pki/kubelet-client.key
contexts:
- name: kube-local
  context: { cluster: kube-local, user: $NODE_NAME }
current-context: kube-local
EOF
chmod 600 "$NODE_DIR/kubelet.kubeconfig"

cgroup_root="$(node_cgroup_root)"
cat > "$NODE_DIR/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
containerRuntimeEndpoint: unix://$NODE_SOCK
cgroupDriver: cgroupfs
cgroupRoot: $cgroup_root
# This machine is cgroup v1 only (1.34 only warns; 1.35 would need this to start at all).
failCgroupV1: false
# No CAP_SYS_RESOURCE here: the hard limit of open files is 20000.
maxOpenFiles: 20000
failSwapOn: false
# Read, never write, the kernel-wide tunables (node-inside.sh shows kubelet its own copies).
protectKernelDefaults: true
address: $NODE_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
tlsCertFile: $pki/kubelet-serving.crt
tlsPrivateKeyFile: $pki/kubelet-serving.key
rotateCertificates: false
serverTLSBootstrap: false
authentication:
  anonymous: { enabled: false }
  webhook: { enabled: true }
  x509: { clientCAFile: $pki/ca.crt }
authorization:
  mode: Webhook
podLogsDir: $NODE_DIR/pod-logs
# Pods resolve nothing: every address they need is an IP on the veth.
resolvConf: ""
# Images are imported, never pulled: never garbage-collect them; evict only when really short of space.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard:
  memory.available: 200Mi
  nodefs.available: 1%
  imagefs.available: 1%
  nodefs.inodesFree: 1%
serializeImagePulls: false
maxPods: 32
EOF

cat > "$NODE_DIR/containerd.toml" <<EOF
version = 2
root = "$NODE_DIR/containerd/root"
state = "$NODE_DIR/containerd/state"
[grpc]
  address = "$NODE_SOCK"
[ttrpc]
  address = "$NODE_SOCK.ttrpc"
[plugins."io.containerd.internal.v1.opt"]
  path = "$NODE_DIR/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  # Mandatory on this machine (no CAP_SYS_RESOURCE): negative oom_score_adj values are clamped.
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$CNI_BIN_DIR"
    conf_dir = "$NODE_DIR/cni/net.d"
EOF

cat > "$NODE_DIR/cni/net.d/10-asdlc.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "asdlc-pods",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "cni0",
      "isGateway": true,
      "ipMasq": true,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "$NODE_DIR/cni/ipam",
        "ranges": [[{ "subnet": "$NODE_POD_CIDR" }]],
        "routes": [{ "dst": "0.0.0.0/0" }]
      }
    }
  ]
}
EOF

# --- cgroups: the node's subtree in every v1 hierarchy (kubelet requires cgroupRoot to exist) --------------
for h in /sys/fs/cgroup/*/; do
  h="${h%/}"
  case "$(stat -fc %T "$h")" in cgroupfs | cgroup2fs) ;; *) continue ;; esac # v1 hierarchies + the hybrid unified one
  d="$h"
  IFS=/ read -ra parts <<< "${cgroup_root#/}"
  for p in "${parts[@]}"; do
    d="$d/$p"
    if [ ! -d "$d" ]; then mkdir "$d"; echo "$d" >> "$NODE_DIR/cgroups-created"; fi
    # A new cpuset cgroup starts with no CPUs and no memory nodes: inherit the parent's.
    for f in cpuset.cpus cpuset.mems; do
      if [ -f "$d/$f" ] && [ -z "$(cat "$d/$f")" ]; then cat "$(dirname "$d")/$f" > "$d/$f"; fi
    done
  done
done
echo "$cgroup_root" > "$NODE_DIR/cgroup-root" # node-down.sh removes the subtree and what we created

# --- network: the node's namespace and the veth pair ------------------------------------------------------
say "creating netns $NODE_NETNS and veth $NODE_VETH_HOST ($NODE_HOST_IP) <-> eth0 ($NODE_IP)"
ip netns add "$NODE_NETNS"
echo "$NODE_NETNS $NODE_VETH_HOST" > "$NODE_DIR/network"
ip link add "$NODE_VETH_HOST" type veth peer name eth0 netns "$NODE_NETNS"
echo 1 > "/proc/sys/net/ipv6/conf/$NODE_VETH_HOST/disable_ipv6" 2>/dev/null || true
ip addr add "$NODE_HOST_IP/30" dev "$NODE_VETH_HOST"
ip link set "$NODE_VETH_HOST" up
ip -n "$NODE_NETNS" link set lo up
ip -n "$NODE_NETNS" addr add "$NODE_IP/30" dev eth0
ip -n "$NODE_NETNS" link set eth0 up
ip -n "$NODE_NETNS" route add default via "$NODE_HOST_IP"

# kubelet inside the node reaches the apiserver (127.0.0.1 only) through this relay on the veth's host end.
say "relaying $NODE_HOST_IP:$P_API -> 127.0.0.1:$P_API for the kubelet"
socat_bin="$(command -v socat)"
setsid "$socat_bin" "TCP-LISTEN:$P_API,bind=$NODE_HOST_IP,fork,reuseaddr" "TCP:127.0.0.1:$P_API" \
  > "$STATE/logs/node-apiserver-relay.log" 2>&1 < /dev/null &
echo "$! $socat_bin" > "$STATE/pids/node-apiserver-relay.pid"

# --- the sandbox ------------------------------------------------------------------------------------------
say "starting containerd + kubelet in the node's namespaces"
PAUSE_TAR="$PAUSE_TAR" KUBE_LOCAL_STATE_DIR="$STATE" setsid nsenter --net="/run/netns/$NODE_NETNS" -- \
  unshare --mount --propagation private -- /bin/bash "$node_here/node-inside.sh" \
  > "$STATE/logs/node-sandbox.log" 2>&1 < /dev/null &
echo "$! /bin/bash" > "$STATE/pids/node-sandbox.pid"

deadline=$(( $(date +%s) + ${KUBE_LOCAL_NODE_READY_TIMEOUT:-120} ))
until node_ready; do
  kill -0 "$(cut -d' ' -f1 < "$STATE/pids/node-sandbox.pid")" 2>/dev/null || node_fail "the node sandbox exited"
  [ "$(date +%s)" -lt "$deadline" ] || node_fail "node $NODE_NAME not Ready after ${KUBE_LOCAL_NODE_READY_TIMEOUT:-120}s"
  sleep 0.5
done
say "node $NODE_NAME Ready ($NODE_IP; pods $NODE_POD_CIDR; host side $NODE_HOST_IP)"
