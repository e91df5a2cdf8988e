# Shared by up.sh and down.sh (sourced after versions.sh).
# shellcheck shell=bash
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# Two profiles: the default (kwok plays 2 nodes) and --real-node (KUBE_LOCAL_REAL_NODE=1: kubelet + containerd,
# no kwok), each with its own state dir and ports so both can run at once.
REAL_NODE="${KUBE_LOCAL_REAL_NODE:-0}"
if [ "$REAL_NODE" = 1 ]; then
  STATE="${KUBE_LOCAL_STATE_DIR:-$REPO_ROOT/.agentic-sdlc/kube-node}"
  # Stop order; start order is the reverse (the node itself: node/node-up.sh, node/node-down.sh).
  COMPONENTS=(kube-scheduler kube-controller-manager kube-apiserver etcd)
  port_base=27
else
  STATE="${KUBE_LOCAL_STATE_DIR:-$REPO_ROOT/.agentic-sdlc/kube}"
  COMPONENTS=(kwok kube-scheduler kube-controller-manager kube-apiserver etcd)
  port_base=26
fi
KUBECONFIG_OUT="$STATE/kubeconfig"

P_API="${KUBE_LOCAL_APISERVER_PORT:-${port_base}443}"
P_ETCD="${KUBE_LOCAL_ETCD_PORT:-${port_base}379}"
P_ETCD_PEER="${KUBE_LOCAL_ETCD_PEER_PORT:-${port_base}380}"
P_KCM="${KUBE_LOCAL_KCM_PORT:-${port_base}257}"
P_SCHED="${KUBE_LOCAL_SCHEDULER_PORT:-${port_base}259}"
P_KWOK="${KUBE_LOCAL_KWOK_PORT:-${port_base}250}"

port_env() {
  case "$1" in
    etcd) echo KUBE_LOCAL_ETCD_PORT ;; etcd-peer) echo KUBE_LOCAL_ETCD_PEER_PORT ;;
    kube-apiserver) echo KUBE_LOCAL_APISERVER_PORT ;; kube-controller-manager) echo KUBE_LOCAL_KCM_PORT ;;
    kube-scheduler) echo KUBE_LOCAL_SCHEDULER_PORT ;; kwok) echo KUBE_LOCAL_KWOK_PORT ;;
  esac
}

# True when nothing listens on TCP port $1 (any address: a 0.0.0.0 listener would also take 127.0.0.1).
port_free() {
  if command -v ss >/dev/null; then
    [ -z "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]
  else
    ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
  fi
}

kc() { "$KUBE_LOCAL_BIN/kubectl" --kubeconfig="$STATE/admin.kubeconfig" "$@"; }

# --- PKI ---------------------------------------------------------------------------------------------
_leaf() { # name subject extendedKeyUsage [subjectAltName]
  local name=$1 subj=$2 eku=$3 san=${4:-}
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$name.key" -subj "$subj" -out "$name.csr" 2>/dev/null
  printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=%s\n%s\n' \
    "$eku" "${san:+subjectAltName=$san}" > "$name.ext"
  openssl x509 -req -in "$name.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 365 -sha256 \
    -extfile "$name.ext" -out "$name.crt" 2>/dev/null
  rm -f "$name.csr" "$name.ext"
}
gen_pki() (
  set -e
  cd "$1"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.crt \
    -days 3650 -subj "/CN=kube-local-ca" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  # One serving cert for apiserver, controller-manager, scheduler and kwok (all on 127.0.0.1).
  _leaf apiserver "/CN=kube-apiserver" serverAuth \
    "DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:127.0.0.1,IP:10.96.0.1"
  _leaf admin "/O=system:masters/CN=kube-local-admin" clientAuth
  _leaf kube-controller-manager "/CN=system:kube-controller-manager" clientAuth
  _leaf kube-scheduler "/CN=system:kube-scheduler" clientAuth
  _leaf kwok "/O=system:masters/CN=kube-local-kwok" clientAuth
  _leaf apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" clientAuth
  _leaf front-proxy-client "/CN=front-proxy-client" clientAuth
  openssl ecparam -name prime256v1 -genkey -noout -out sa.key 2>/dev/null
  openssl ec -in sa.key -pubout -out sa.pub 2>/dev/null
  chmod 600 ./*.key
)

write_kubeconfig() { # path user
  local b64="base64 -w0" pki="$STATE/pki"
  cat > "$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: kube-local
  cluster:
    server: https://127.0.0.1:$P_API
    certificate-authority-data: $($b64 < "$pki/ca.crt")
users:
- name: $2
  user:
    client-certificate-data: $($b64 < "$pki/$2.crt")
    client-key-data: $($b64 < "$pki/$2.key")
contexts:
- name: kube-local
  context:
    cluster: kube-local
    user: $2
current-context: kube-local
EOF
  chmod 600 "$1"
}

# --- processes ---------------------------------------------------------------------------------------
# launch <component> args…: runs $KUBE_LOCAL_BIN/<component> in its own session, log in logs/, pid in pids/.
launch() {
  local name=$1; shift
  local bin="$KUBE_LOCAL_BIN/$name"
  setsid "$bin" "$@" > "$STATE/logs/$name.log" 2>&1 < /dev/null &
  echo "$! $bin" > "$STATE/pids/$name.pid"
  # Until setsid has exec'd the binary, /proc/<pid>/cmdline still shows bash/setsid: wait (≤ 5 s) for the exec
  # so that recorded_pid() can tell "ours and alive" from "exited".
  local i
  for i in $(seq 1 50); do
    [ "$(tr '\0' '\n' 2>/dev/null < "/proc/$!/cmdline" | head -n1)" = "$bin" ] && return 0
    kill -0 "$!" 2>/dev/null || return 0
    sleep 0.1
  done
}

# recorded_pid <component>: prints the pid if the pid file exists AND that pid still runs our binary.
recorded_pid() {
  local f="$STATE/pids/$1.pid" pid bin argv0
  [ -f "$f" ] || return 1
  read -r pid bin < "$f" || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  argv0="$(tr '\0' '\n' 2>/dev/null < "/proc/$pid/cmdline" | head -n1)" || return 1
  [ "$argv0" = "$bin" ] || return 1
  echo "$pid"
}

all_alive() {
  local c extra=()
  [ "$REAL_NODE" = 1 ] && extra=(node-containerd node-kubelet node-apiserver-relay)
  for c in "${COMPONENTS[@]}" "${extra[@]}"; do recorded_pid "$c" >/dev/null || return 1; done
}

fail_component() { # component reason
  printf '[cluster:up] error: %s failed: %s\n' "$1" "$2" >&2
  printf '[cluster:up] last lines of %s:\n' "$STATE/logs/$1.log" >&2
  tail -n 40 "$STATE/logs/$1.log" 2>/dev/null | sed 's/^/    /' >&2 || true
  printf '[cluster:up] stopping what was started\n' >&2
  bash "$(dirname "${BASH_SOURCE[0]}")/down.sh" >&2 || true
  exit 1
}

# wait_for <component> <seconds> <probe> [args]: polls every 0.2 s; fails fast if the component exits.
wait_for() {
  local name=$1 secs=$2; shift 2
  local deadline=$(( $(date +%s) + secs ))
  while :; do
    recorded_pid "$name" >/dev/null || fail_component "$name" "process exited"
    "$@" 2>/dev/null && return 0
    [ "$(date +%s)" -lt "$deadline" ] || fail_component "$name" "not ready after ${secs}s (probe: $*)"
    sleep 0.2
  done
}

probe_etcd() { curl -sf --max-time 2 "http://127.0.0.1:$P_ETCD/health" | grep -q '"health":"true"'; }
readyz_ok() {
  [ "$(curl -sf --max-time 3 --cacert "$STATE/pki/ca.crt" --cert "$STATE/pki/admin.crt" \
    --key "$STATE/pki/admin.key" "https://127.0.0.1:$P_API/readyz")" = ok ]
}
probe_https() { [ "$(curl -sf --max-time 2 --cacert "$STATE/pki/ca.crt" "https://127.0.0.1:$1/healthz")" = ok ]; }
nodes_ready() {
  [ "$(kc get nodes -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{" "}{end}')" \
    = "True True " ]
}

rss_report() {
  local c pid kb total=0 out=""
  for c in etcd kube-apiserver kube-controller-manager kube-scheduler kwok; do
    pid="$(recorded_pid "$c")" || continue
    kb="$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")"
    total=$(( total + kb ))
    out+="$c $(( kb / 1024 )) MiB, "
  done
  echo "${out}total $(( total / 1024 )) MiB"
}
