#!/usr/bin/env bash
# Stops exactly the processes `cluster:up` started (pid files in <state>/pids, each checked against the
# binary it was started from), removes the etcd temp data dir and the kubeconfig. Safe to run twice.
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
say() { printf '[cluster:down] %s\n' "$*" >&2; }

# The kubeconfig goes first: its presence means "a cluster is up".
rm -f "$KUBECONFIG_OUT"
stopped=0
# The real node goes first: its kubelet must not outlive the apiserver it reports to.
if [ -d "$STATE/node" ]; then
  # shellcheck source=node/node-down.sh
  . "$here/node/node-down.sh"
fi
for c in "${COMPONENTS[@]}"; do
  f="$STATE/pids/$c.pid"
  [ -f "$f" ] || continue
  if pid="$(recorded_pid "$c")"; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do # up to 10 s, then SIGKILL
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
      say "$c (pid $pid) ignored SIGTERM for 10s — sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    say "stopped $c (pid $pid)"
    stopped=$(( stopped + 1 ))
  else
    say "$c: recorded pid is gone or runs something else now — not touching it"
  fi
  rm -f "$f"
done

if [ -f "$STATE/etcd-data-dir" ]; then
  d="$(cat "$STATE/etcd-data-dir")"
  case "$d" in
    */kube-local-etcd.*) rm -rf -- "$d" ;;
    *) say "not removing unexpected etcd data dir '$d'" ;;
  esac
  rm -f "$STATE/etcd-data-dir"
fi
if [ "$stopped" = 0 ]; then say "nothing was running"; else say "done ($stopped processes stopped; logs kept in $STATE/logs)"; fi
