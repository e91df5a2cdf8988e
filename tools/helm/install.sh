#!/usr/bin/env bash
# Install the pinned helm v3 binary by building it from the Go module proxy (no prebuilt download).
# Idempotent: a second run with the binary already present is a no-op.
# Prints the absolute path of the helm binary on stdout; progress goes to stderr.
#
#   tools/helm/install.sh            # install (or reuse) and print the path
#   HELM_VERSION=v3.x.y tools/helm/install.sh   # override the pin (not recommended)
set -euo pipefail

HELM_VERSION="${HELM_VERSION:-v3.19.5}"
CACHE_ROOT="${ASDLC_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/agentic-sdlc}"
DEST="$CACHE_ROOT/helm-$HELM_VERSION"
BIN="$DEST/bin/helm"

if [[ -x "$BIN" ]] && "$BIN" version --template '{{.Version}}' 2>/dev/null | grep -qx "$HELM_VERSION"; then
  echo "$BIN"
  exit 0
fi

GO="${GO:-$(command -v go || true)}"
if [[ -z "$GO" && -x /usr/local/go/bin/go ]]; then GO=/usr/local/go/bin/go; fi
if [[ -z "$GO" ]]; then
  echo "install.sh: go toolchain not found (need Go >= 1.24 on PATH or at /usr/local/go/bin/go)" >&2
  exit 1
fi

mkdir -p "$DEST/bin"
echo "install.sh: building helm $HELM_VERSION with $("$GO" version) into $DEST/bin (this takes a few minutes once)" >&2
# nice: the build machine is shared; -trimpath for reproducible output; version stamped like upstream's Makefile.
GOBIN="$DEST/bin" CGO_ENABLED=0 nice -n 10 "$GO" install -trimpath \
  -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" \
  "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >&2

"$BIN" version --template '{{.Version}}' | grep -qx "$HELM_VERSION" || {
  echo "install.sh: built helm does not report $HELM_VERSION: $("$BIN" version)" >&2
  exit 1
}
echo "$BIN"
