#!/usr/bin/env bash
# Debian packages the runner and its tests need: git, ripgrep (OpenCode's grep/glob tools).
set -euo pipefail
need=()
command -v git >/dev/null || need+=(git)
command -v rg >/dev/null || need+=(ripgrep)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}"
fi
