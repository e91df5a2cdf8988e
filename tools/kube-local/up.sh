#!/usr/bin/env bash
# Starts the loopback control plane: etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok
# (2 fake nodes), all bound to 127.0.0.1. Writes <repo>/.agentic-sdlc/kube/kubeconfig.
# Needs `pnpm cluster:build` first. Stop it with `pnpm cluster:down`.
#
# Ports (override by env): KUBE_LOCAL_APISERVER_PORT=26443 KUBE_LOCAL_ETCD_PORT=26379
#   KUBE_LOCAL_ETCD_PEER_PORT=26380 KUBE_LOCAL_KCM_PORT=26257 KUBE_LOCAL_SCHEDULER_PORT=26259
#   KUBE_LOCAL_KWOK_PORT=26250. State dir: KUBE_LOCAL_STATE_DIR (default <repo>/.agentic-sdlc/kube).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
for arg in "$@"; do
  case "$arg" in
    --real-node) export KUBE_LOCAL_REAL_NODE=1 ;;
    *) printf 'usage: %s [--real-node]\n' "$0" >&2; exit 2 ;;
  esac
done
# shellcheck source=versions.sh
. "$here/versions.sh"
# shellcheck source=lib.sh
. "$here/lib.sh"

start=$(date +%s%N)
elapsed() { printf '%d.%01ds' $(( ($(date +%s%N) - start) / 1000000000 )) $(( ($(date +%s%N) - start) / 100000000 % 10 )); }
say() { printf '[cluster:up] %s\n' "$*" >&2; }

for b in etcd kube-apiserver kube-controller-manager kube-scheduler kwok kubectl kubelet; do
  [ -x "$KUBE_LOCAL_BIN/$b" ] || { say "error: $KUBE_LOCAL_BIN/$b is missing — run \`pnpm cluster:build\` first"; exit 1; }
done
for tool in openssl curl; do
  command -v "$tool" >/dev/null || { say "error: $tool is missing — \`pnpm cluster:build\` installs it"; exit 1; }
done

# Already running? Then this is a no-op.
if [ -f "$KUBECONFIG_OUT" ] && all_alive && readyz_ok; then
  say "already running (kubeconfig: $KUBECONFIG_OUT)"
  exit 0
fi
# Leftovers of a crashed/half-started cluster: stop exactly what is recorded, then start clean.
if compgen -G "$STATE/pids/*.pid" >/dev/null; then
  say "stale state in $STATE — stopping what it recorded first"
  bash "$here/down.sh"
fi

# --- ports -------------------------------------------------------------------------------------------
declare -A PORT=(
  [etcd]="$P_ETCD" [etcd-peer]="$P_ETCD_PEER" [kube-apiserver]="$P_API"
  [kube-controller-manager]="$P_KCM" [kube-scheduler]="$P_SCHED" [kwok]="$P_KWOK"
)
taken=0
for name in etcd etcd-peer kube-apiserver kube-controller-manager kube-scheduler kwok; do
  [ "$name" = kwok ] && [ "$REAL_NODE" = 1 ] && continue
  p="${PORT[$name]}"
  if ! port_free "$p"; then
    who="$(ss -Hltnp "sport = :$p" 2>/dev/null | sed -n 's/.*users:((\("[^"]*",pid=[0-9]*\).*/\1/p' | head -1)"
    say "error: port 127.0.0.1:$p for $name is already in use${who:+ by $who} (override with $(port_env "$name")=<port>)"
    taken=1
  fi
done
[ "$taken" = 0 ] || exit 1

# --- state dir + PKI ---------------------------------------------------------------------------------
# Only what up.sh itself creates is removed (KUBE_LOCAL_STATE_DIR may point anywhere).
if [ "$REAL_NODE" = 1 ]; then
  # shellcheck source=node/node-lib.sh
  . "$here/node/node-lib.sh"
  # shellcheck source=node/pause-image.sh
  . "$here/node/pause-image.sh" # sets PAUSE_TAR (built locally, cached) before anything starts
fi
rm -rf "${STATE:?}"/{pids,logs,pki,kwok,pod-logs} "$STATE"/*.kubeconfig "$STATE"/{kubeconfig,cluster.json,etcd-data-dir}
mkdir -p "$STATE"/{pids,logs,pki,kwok,pod-logs}
chmod 700 "$STATE/pki"
ETCD_DATA="$(mktemp -d "${TMPDIR:-/tmp}/kube-local-etcd.XXXXXX")"
echo "$ETCD_DATA" > "$STATE/etcd-data-dir"
say "generating PKI (EC P-256, openssl) in $STATE/pki"
gen_pki "$STATE/pki"
pki="$STATE/pki"
write_kubeconfig "$STATE/admin.kubeconfig" admin
write_kubeconfig "$STATE/kube-controller-manager.kubeconfig" kube-controller-manager
write_kubeconfig "$STATE/kube-scheduler.kubeconfig" kube-scheduler
write_kubeconfig "$STATE/kwok.kubeconfig" kwok

# kwok config: our Stages. Logs come from kwok `Logs` objects (one per pod, made by writePodLog() in
# src/testing.ts); a container without one gets an error from `kubectl logs`, never a silent empty stream.
cp "$here/kwok/stages.yaml" "$STATE/kwok/kwok.yaml"
cat > "$STATE/cluster.json" <<EOF
{
  "server": "https://127.0.0.1:$P_API",
  "kwokPort": $P_KWOK,
  "podLogsDir": "$STATE/pod-logs",
  "kubeconfig": "$KUBECONFIG_OUT"$(if [ "$REAL_NODE" = 1 ]; then printf ',\n  "realNode": { "name": "%s", "hostIP": "%s", "nodeIP": "%s", "podCIDR": "%s", "containerdSocket": "%s" }' \
    "$NODE_NAME" "$NODE_HOST_IP" "$NODE_IP" "$NODE_POD_CIDR" "$NODE_SOCK"; fi)
}
EOF

# --- start -------------------------------------------------------------------------------------------
say "starting etcd on 127.0.0.1:$P_ETCD"
launch etcd \
  --name=kube-local --data-dir="$ETCD_DATA" \
  --listen-client-urls="http://127.0.0.1:$P_ETCD" --advertise-client-urls="http://127.0.0.1:$P_ETCD" \
  --listen-peer-urls="http://127.0.0.1:$P_ETCD_PEER" --initial-advertise-peer-urls="http://127.0.0.1:$P_ETCD_PEER" \
  --initial-cluster="kube-local=http://127.0.0.1:$P_ETCD_PEER" \
  --unsafe-no-fsync=true --auto-compaction-mode=periodic --auto-compaction-retention=10m \
  --quota-backend-bytes=1073741824 --log-level=warn
wait_for etcd 30 probe_etcd

say "starting kube-apiserver on https://127.0.0.1:$P_API"
launch kube-apiserver \
  --bind-address=127.0.0.1 --secure-port="$P_API" --advertise-address=127.0.0.1 \
  --etcd-servers="http://127.0.0.1:$P_ETCD" \
  --service-cluster-ip-range=10.96.0.0/24 --endpoint-reconciler-type=none \
  --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction --allow-privileged=true \
  --client-ca-file="$pki/ca.crt" --tls-cert-file="$pki/apiserver.crt" --tls-private-key-file="$pki/apiserver.key" \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-account-key-file="$pki/sa.pub" --service-account-signing-key-file="$pki/sa.key" \
  --kubelet-client-certificate="$pki/apiserver-kubelet-client.crt" \
  --kubelet-client-key="$pki/apiserver-kubelet-client.key" \
  --kubelet-certificate-authority="$pki/ca.crt" --kubelet-preferred-address-types=InternalIP,Hostname \
  --requestheader-client-ca-file="$pki/ca.crt" --requestheader-allowed-names=front-proxy-client \
  --requestheader-username-headers=X-Remote-User --requestheader-group-headers=X-Remote-Group \
  --requestheader-extra-headers-prefix=X-Remote-Extra- \
  --proxy-client-cert-file="$pki/front-proxy-client.crt" --proxy-client-key-file="$pki/front-proxy-client.key" \
  --cert-dir="$pki/generated" --profiling=false --event-ttl=30m
wait_for kube-apiserver 90 readyz_ok

say "starting kube-controller-manager, kube-scheduler"
launch kube-controller-manager \
  --kubeconfig="$STATE/kube-controller-manager.kubeconfig" \
  --authentication-kubeconfig="$STATE/kube-controller-manager.kubeconfig" \
  --authorization-kubeconfig="$STATE/kube-controller-manager.kubeconfig" \
  --bind-address=127.0.0.1 --secure-port="$P_KCM" \
  --tls-cert-file="$pki/apiserver.crt" --tls-private-key-file="$pki/apiserver.key" \
  --use-service-account-credentials=true --root-ca-file="$pki/ca.crt" \
  --service-account-private-key-file="$pki/sa.key" \
  --cluster-signing-cert-file="$pki/ca.crt" --cluster-signing-key-file="$pki/ca.key" \
  --controllers='*' --leader-elect=false --profiling=false
launch kube-scheduler \
  --kubeconfig="$STATE/kube-scheduler.kubeconfig" \
  --authentication-kubeconfig="$STATE/kube-scheduler.kubeconfig" \
  --authorization-kubeconfig="$STATE/kube-scheduler.kubeconfig" \
  --bind-address=127.0.0.1 --secure-port="$P_SCHED" \
  --tls-cert-file="$pki/apiserver.crt" --tls-private-key-file="$pki/apiserver.key" \
  --leader-elect=false --profiling=false

if [ "$REAL_NODE" = 1 ]; then
  # shellcheck source=node/node-up.sh
  . "$here/node/node-up.sh"
else
  # kwok watches Logs objects (per-pod log files, created by the test helpers): install the CRD first.
  kc apply --server-side -f "$KUBE_LOCAL_CACHE/share/kwok.x-k8s.io_logs.yaml" >/dev/null
  kc wait --for=condition=Established crd/logs.kwok.x-k8s.io --timeout=30s >/dev/null

  say "starting kwok on https://127.0.0.1:$P_KWOK (fake kubelet for nodes kwok-node-0, kwok-node-1)"
  KWOK_WORKDIR="$STATE/kwok" launch kwok \
    --kubeconfig="$STATE/kwok.kubeconfig" --config="$STATE/kwok/kwok.yaml" \
    --manage-all-nodes=true --node-ip=127.0.0.1 --node-name=localhost --node-port="$P_KWOK" \
    --server-address="127.0.0.1:$P_KWOK" \
    --tls-cert-file="$pki/apiserver.crt" --tls-private-key-file="$pki/apiserver.key" \
    --node-lease-duration-seconds=40 --cidr=10.244.0.0/16 --enable-crds=Logs

  for i in 0 1; do
    kc apply --server-side -f - >/dev/null <<EOF
apiVersion: v1
kind: Node
metadata:
  name: kwok-node-$i
  annotations:
    node.alpha.kubernetes.io/ttl: "0"
    kwok.x-k8s.io/node: fake
  labels:
    kubernetes.io/hostname: kwok-node-$i
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    type: kwok
EOF
  done
fi

wait_for kube-controller-manager 60 probe_https "$P_KCM"
wait_for kube-scheduler 60 probe_https "$P_SCHED"
if [ "$REAL_NODE" != 1 ]; then
  wait_for kwok 60 probe_https "$P_KWOK"
  wait_for kwok 60 nodes_ready
fi

# The admin kubeconfig is written last: its presence means "a cluster is up".
cp "$STATE/admin.kubeconfig" "$KUBECONFIG_OUT.tmp" && mv "$KUBECONFIG_OUT.tmp" "$KUBECONFIG_OUT"
node_note=""
if [ "$REAL_NODE" = 1 ]; then node_note=" (real node $NODE_NAME)"; fi
say "ready in $(elapsed): kubeconfig $KUBECONFIG_OUT$node_note"
say "control-plane RSS: $(rss_report)"
say "try: kubectl --kubeconfig $KUBECONFIG_OUT get nodes"
