#!/usr/bin/env bash
# Builds the agent image (from docker/agent/Dockerfile, without a Docker engine) and a pause image as OCI
# image-layout tarballs. Prints ONE JSON line on stdout:
#   {"agent":{"ref":"localhost/agentic-sdlc/asdlc-agent:<hash>","tar":"…"},"pause":{"ref":"…","tar":"…"}}
# Progress goes to stderr. Needs root (debootstrap, chroot, mount).
# Usage: bash tools/agent-image/build.sh [--force] [--pause-only]  (--pause-only: just {"pause":{…}})
set -euo pipefail
if [ "$(id -u)" != 0 ]; then
  echo "tools/agent-image/build.sh must run as root (debootstrap, chroot and mount need it)" >&2
  exit 1
fi
for tool in debootstrap umoci chroot gcc tar git pnpm npm node; do
  command -v "$tool" >/dev/null || { echo "tools/agent-image: missing $tool (apt-get install debootstrap umoci gcc)" >&2; exit 1; }
done
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${AGENT_IMAGE_CACHE:-$HOME/.cache/agentic-sdlc/images}"
mkdir -p "$cache"
# One build at a time per cache (tests and other callers may start this concurrently).
exec 9>"$cache/.build.lock"
flock -w 3600 9
exec node "$here/src/build.mjs" "$@"
