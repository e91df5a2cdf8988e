#!/usr/bin/env bash
# `pnpm test:e2e`: the end-to-end suite on a real node. Builds (or reuses, cached by version) the Kubernetes
# binaries incl. kubelet, the node's Debian packages, the workspace, then runs the suite; the vitest global
# setup starts the control plane + real node, builds and imports the agent image, and stops it all at the end.
# Needs root (network/mount namespaces, cgroups, chroot for the image build).
set -euo pipefail
cd "$(dirname "$0")/../.."
start=$(date +%s)
say() { printf '[test:e2e] %s\n' "$*" >&2; }
[ "$(id -u)" = 0 ] || { say "error: needs root (the real node uses network and mount namespaces and cgroups)"; exit 1; }
bash tools/kube-local/node/install-deps.sh
bash tools/kube-local/build.sh
pnpm exec turbo run build --output-logs=errors-only
say "prerequisites ready in $(( $(date +%s) - start ))s"
pnpm exec vitest run --config tools/e2e/vitest.config.ts "$@"
say "done in $(( $(date +%s) - start ))s"
