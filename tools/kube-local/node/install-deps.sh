#!/usr/bin/env bash
# Debian packages of the real node (tools/kube-local/node) and of the local image build (tools/agent-image):
# containerd + runc, the CNI plugins, iptables (the pods' masquerade, inside the node's netns only), socat
# (the apiserver relay), debootstrap + umoci (images without a Docker engine), gcc (the static pause).
# containerd's package enables a systemd unit; nothing is started (no systemd here) and we disable it again.
set -euo pipefail
declare -A pkg_of=(
  [containerd]=containerd [runc]=runc [socat]=socat [iptables]=iptables [debootstrap]=debootstrap
  [umoci]=umoci [gcc]=gcc [ip]=iproute2 [nsenter]=util-linux
)
need=()
for tool in "${!pkg_of[@]}"; do command -v "$tool" >/dev/null || need+=("${pkg_of[$tool]}"); done
[ -x /usr/lib/cni/bridge ] || need+=(containernetworking-plugins)
[ "${#need[@]}" -gt 0 ] || exit 0
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
echo "[node] installing ${need[*]} (Debian)" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
if command -v systemctl >/dev/null; then $SUDO systemctl disable containerd >/dev/null 2>&1 || true; fi
