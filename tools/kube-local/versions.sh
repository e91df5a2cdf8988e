# Pinned versions of the loopback control plane (sourced by build.sh, up.sh, down.sh).
# KUBE_VERSION: latest 1.34 patch the Go module proxy serves (`go list -m -versions k8s.io/kubernetes`).
# etcd is not pinned here: it is the go.etcd.io/etcd/server/v3 version that k8s.io/kubernetes itself
# requires (v3.6.4 for 1.34.4), built from the same module graph.
KUBE_VERSION="${KUBE_LOCAL_KUBE_VERSION:-1.34.4}"
KWOK_VERSION="${KUBE_LOCAL_KWOK_VERSION:-0.8.0}"
# Go used only when no Go >= 1.26 is installed (kwok v0.8.0 needs go 1.26): the official toolchain, fetched
# from the Go module proxy as module golang.org/toolchain (the same thing GOTOOLCHAIN=auto does).
GO_BOOTSTRAP_VERSION="${KUBE_LOCAL_GO_BOOTSTRAP_VERSION:-1.26.8}"
# Bump when the build recipe changes so cached binaries are rebuilt.
KUBE_LOCAL_RECIPE=2
KUBE_LOCAL_CACHE="${KUBE_LOCAL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/agentic-sdlc/kube-${KUBE_VERSION}}"
KUBE_LOCAL_BIN="$KUBE_LOCAL_CACHE/bin"
