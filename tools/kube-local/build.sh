#!/usr/bin/env bash
# Builds and caches the loopback control plane: kube-apiserver, kube-controller-manager, kube-scheduler,
# kubectl, kubelet (for the real node, see node/) and etcd from the Go modules (k8s.io/kubernetes + go.etcd.io/etcd/server/v3), and kwok.
# Output: ~/.cache/agentic-sdlc/kube-<version>/bin. A second run is a no-op.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.sh
. "$here/versions.sh"

say() { printf '[cluster:build] %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

stamp="kube=v$KUBE_VERSION kwok=v$KWOK_VERSION recipe=$KUBE_LOCAL_RECIPE $(uname -s)/$(uname -m)"
bins=(kube-apiserver kube-controller-manager kube-scheduler kubectl kubelet etcd kwok)
cached=1
for b in "${bins[@]}"; do [ -x "$KUBE_LOCAL_BIN/$b" ] || cached=0; done
[ -f "$KUBE_LOCAL_CACHE/share/kwok.x-k8s.io_logs.yaml" ] || cached=0
if [ "$cached" = 1 ] && [ "$(cat "$KUBE_LOCAL_BIN/.stamp" 2>/dev/null)" = "$stamp" ]; then
  say "cached: $KUBE_LOCAL_BIN ($stamp) — nothing to do"
  exit 0
fi

# --- toolchain ---------------------------------------------------------------------------------------
# up.sh needs openssl (PKI) and curl (probes); the Go bootstrap needs unzip. Install what is missing (Debian).
apt_install() {
  local need=() tool
  for tool in "$@"; do command -v "$tool" >/dev/null || need+=("$tool"); done
  [ "${#need[@]}" -gt 0 ] || return 0
  say "installing ${need[*]} (Debian)"
  local SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
}
apt_install openssl curl

go_is_new_enough() { # go binary: true if it is go >= 1.26
  local v; v="$("$1" env GOVERSION 2>/dev/null)" || return 1
  v="${v#go}"; local major="${v%%.*}" rest="${v#*.}"; local minor="${rest%%[.a-z]*}"
  [ "$major" -gt 1 ] 2>/dev/null || { [ "$major" = 1 ] && [ "$minor" -ge 26 ] 2>/dev/null; }
}

# Fetches the official Go toolchain from the Go module proxy (module golang.org/toolchain) and checks the zip
# against its h1: hash as recorded by sum.golang.org (looked up through the same proxy).
bootstrap_go() {
  local arch; case "$(uname -m)" in x86_64) arch=amd64 ;; aarch64) arch=arm64 ;; *) die "no Go for $(uname -m)" ;; esac
  local ver="v0.0.1-go$GO_BOOTSTRAP_VERSION.linux-$arch"
  local root="${XDG_CACHE_HOME:-$HOME/.cache}/agentic-sdlc/go-$GO_BOOTSTRAP_VERSION"
  local gobin="$root/golang.org/toolchain@$ver/bin/go"
  if [ -x "$gobin" ]; then echo "$gobin"; return; fi
  apt_install unzip
  local proxy="${GOPROXY:-https://proxy.golang.org}"; proxy="${proxy%%[,|]*}"
  case "$proxy" in http*) ;; *) proxy=https://proxy.golang.org ;; esac
  say "no Go >= 1.26 found: fetching go$GO_BOOTSTRAP_VERSION from $proxy (module golang.org/toolchain@$ver)"
  local tmp; tmp="$(mktemp -d)"
  curl -fsSL --retry 3 "$proxy/golang.org/toolchain/@v/$ver.zip" -o "$tmp/go.zip" || die "download of $ver failed"
  local want got
  want="$(curl -fsSL --retry 3 "$proxy/sumdb/sum.golang.org/lookup/golang.org/toolchain@$ver" \
    | awk -v v="$ver" '$1 == "golang.org/toolchain" && $2 == v { print $3 }')"
  unzip -q "$tmp/go.zip" -d "$tmp/x"
  # dirhash "h1": sha256 over the sorted "<sha256 hex>  <path>" lines of every file in the zip.
  got="h1:$(cd "$tmp/x" && find . -type f | sed 's|^\./||' | LC_ALL=C sort | while IFS= read -r f; do
    printf '%s  %s\n' "$(sha256sum < "$f" | cut -d' ' -f1)" "$f"; done | openssl dgst -sha256 -binary | base64)"
  [ -n "$want" ] && [ "$got" = "$want" ] || { rm -rf "$tmp"; die "checksum mismatch for $ver: got $got, sum.golang.org says '${want}'"; }
  mkdir -p "$root" && rm -rf "$root/golang.org" && mv "$tmp/x/golang.org" "$root/" && rm -rf "$tmp"
  say "go$GO_BOOTSTRAP_VERSION verified ($got) in $root"
  echo "$gobin"
}

GO=""
if [ "${KUBE_LOCAL_GO:-}" = bootstrap ]; then
  GO="$(bootstrap_go)"
else
  for cand in "${KUBE_LOCAL_GO:-}" "$(command -v go || true)" /usr/local/go/bin/go; do
    if [ -n "$cand" ] && [ -x "$cand" ] && go_is_new_enough "$cand"; then GO="$cand"; break; fi
  done
  [ -n "$GO" ] || GO="$(bootstrap_go)"
fi
[ -x "$GO" ] || die "no usable Go toolchain"
export GOTOOLCHAIN=local
say "go: $GO ($("$GO" env GOVERSION))"

# Share the 2 cores politely: at most 2 compile jobs, low priority.
export GOMAXPROCS="${GOMAXPROCS:-2}" CGO_ENABLED=0 GOFLAGS="-trimpath -buildvcs=false"
jobs="${KUBE_LOCAL_BUILD_JOBS:-2}"
gorun() { nice -n 10 "$GO" "$@"; }

say "cold build of Kubernetes v$KUBE_VERSION + kwok v$KWOK_VERSION into $KUBE_LOCAL_BIN"
say "this takes several minutes on 2 cores (a cold run downloads ~0.9 GB of Go modules; measured 8 min)"
start=$(date +%s)
elapsed() { echo "$(( $(date +%s) - start ))s"; }
ticker_pid=""
start_ticker() { ( while sleep 30; do say "  … still $1 ($(elapsed))"; done ) & ticker_pid=$!; }
stop_ticker() { [ -n "$ticker_pid" ] && kill "$ticker_pid" 2>/dev/null; wait "$ticker_pid" 2>/dev/null || true; ticker_pid=""; }
trap stop_ticker EXIT

src="$KUBE_LOCAL_CACHE/src"
mkdir -p "$src" "$KUBE_LOCAL_BIN"

# --- wrapper module for k8s.io/kubernetes --------------------------------------------------------------
# k8s.io/kubernetes' go.mod requires its staging modules at v0.0.0 and replaces them with ./staging/...,
# so `go install` refuses it. Our wrapper requires k8s.io/kubernetes and replaces every staging module
# with its published v0.<minor>.<patch>; the list is read from k8s.io/kubernetes' own go.mod.
say "[1/3] resolving k8s.io/kubernetes@v$KUBE_VERSION ($(elapsed))"
json="$(cd "$KUBE_LOCAL_CACHE" && gorun mod download -json "k8s.io/kubernetes@v$KUBE_VERSION")"
kmod="$(printf '%s' "$json" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",$/\1/p')"
[ -f "$kmod" ] || die "could not download k8s.io/kubernetes@v$KUBE_VERSION: $json"
staging_version="v0.${KUBE_VERSION#1.}"
mapfile -t staging < <(sed -n 's|^[[:space:]]*\(k8s.io/[^[:space:]]*\) => ./staging/src/k8s.io/.*|\1|p' "$kmod")
[ "${#staging[@]}" -gt 10 ] || die "found only ${#staging[@]} staging replaces in $kmod"
gover="$(sed -n 's/^go \([0-9.]*\)$/\1/p' "$kmod")"
etcd_version="$(sed -n 's|^[[:space:]]*go.etcd.io/etcd/server/v3 \(v[^[:space:]]*\).*|\1|p' "$kmod")"
[ -n "$etcd_version" ] || die "k8s.io/kubernetes@v$KUBE_VERSION does not require go.etcd.io/etcd/server/v3"
{
  echo "// Generated by tools/kube-local/build.sh — do not edit."
  echo "module agentic-sdlc.local/kube-local-build"
  echo
  echo "go $gover"
  echo
  echo "require ("
  echo "	k8s.io/kubernetes v$KUBE_VERSION"
  echo "	go.etcd.io/etcd/server/v3 $etcd_version"
  echo ")"
  echo
  echo "replace ("
  for m in "${staging[@]}"; do echo "	$m => $m $staging_version"; done
  echo ")"
} > "$src/go.mod"
rm -f "$src/go.sum"
say "  ${#staging[@]} staging modules replaced with $staging_version; etcd $etcd_version; go $gover"

# --- build kube-* + kubectl + etcd in ONE go build (they share most compiled packages) -----------------
info="$(printf '%s' "$json" | sed -n 's/^[[:space:]]*"Info": "\(.*\)",$/\1/p')"
build_date="$(sed -n 's/.*"Time":"\([^"]*\)".*/\1/p' "$info" 2>/dev/null || true)"
ld="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ld+=" -X $pkg.gitVersion=v$KUBE_VERSION -X $pkg.gitMajor=${KUBE_VERSION%%.*}"
  ld+=" -X $pkg.gitMinor=$(echo "$KUBE_VERSION" | cut -d. -f2) -X $pkg.gitTreeState=clean"
  [ -n "$build_date" ] && ld+=" -X $pkg.buildDate=$build_date"
done
say "[2/3] go build kube-apiserver kube-controller-manager kube-scheduler kubectl kubelet etcd (-p $jobs) ($(elapsed))"
out="$src/out"; rm -rf "$out"; mkdir -p "$out"
start_ticker "compiling Kubernetes"
(cd "$src" && GOFLAGS="$GOFLAGS -mod=mod" gorun build -p "$jobs" -tags selinux,notest -ldflags "$ld" -o "$out/" \
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
  k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl k8s.io/kubernetes/cmd/kubelet \
  go.etcd.io/etcd/server/v3)
stop_ticker
# go names the etcd main package after its path without the /v3 suffix: "server".
[ -x "$out/server" ] && mv "$out/server" "$out/etcd"
for b in kube-apiserver kube-controller-manager kube-scheduler kubectl kubelet etcd; do
  [ -x "$out/$b" ] || die "go build produced no $b (got: $(ls "$out"))"
  mv "$out/$b" "$KUBE_LOCAL_BIN/$b"
done

# --- kwok ----------------------------------------------------------------------------------------------
say "[3/3] go install sigs.k8s.io/kwok/cmd/kwok@v$KWOK_VERSION ($(elapsed))"
start_ticker "compiling kwok"
GOBIN="$KUBE_LOCAL_BIN" gorun install -p "$jobs" -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@v$KWOK_VERSION"
stop_ticker
# kwok's Logs CRD (per-pod log files, see kwok/stages.yaml and src/testing.ts) comes from the same module.
kwok_dir="$(cd "$KUBE_LOCAL_CACHE" && gorun mod download -json "sigs.k8s.io/kwok@v$KWOK_VERSION" \
  | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
mkdir -p "$KUBE_LOCAL_CACHE/share"
cp "$kwok_dir/kustomize/crd/bases/kwok.x-k8s.io_logs.yaml" "$KUBE_LOCAL_CACHE/share/"

echo "$stamp" > "$KUBE_LOCAL_BIN/.stamp"
{ echo "kubernetes v$KUBE_VERSION"; echo "etcd $etcd_version"; echo "kwok v$KWOK_VERSION"; } > "$KUBE_LOCAL_BIN/VERSIONS"
say "done in $(elapsed): $(tr '\n' ' ' < "$KUBE_LOCAL_BIN/VERSIONS")"
"$KUBE_LOCAL_BIN/kube-apiserver" --version >&2
