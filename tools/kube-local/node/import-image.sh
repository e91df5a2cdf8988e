#!/usr/bin/env bash
# Imports a locally built OCI image tarball into the running real node's containerd (namespace k8s.io, the one
# kubelet uses), under an exact reference. Pods then run it with imagePullPolicy IfNotPresent: never pulled.
#   usage: tools/kube-local/node/import-image.sh <image.tar> <ref>
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export KUBE_LOCAL_REAL_NODE=1
# shellcheck source=../versions.sh
. "$here/../versions.sh"
# shellcheck source=../lib.sh
. "$here/../lib.sh"
# shellcheck source=node-lib.sh
. "$here/node-lib.sh"
[ $# = 2 ] || { echo "usage: $0 <image.tar> <ref>" >&2; exit 2; }
[ -f "$1" ] || { echo "error: no such image tarball: $1" >&2; exit 1; }
recorded_pid node-containerd >/dev/null || { echo "error: the real node is not running — start it with \`pnpm cluster:up --real-node\`" >&2; exit 1; }
if grep -qxF "$2" <<< "$(ctr --address "$NODE_SOCK" -n k8s.io images ls -q)"; then
  echo "[node] $2 already imported" >&2
  exit 0
fi
start=$(date +%s)
import_image "$1" "$2"
echo "[node] imported $2 in $(( $(date +%s) - start ))s" >&2
