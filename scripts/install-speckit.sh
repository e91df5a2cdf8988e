#!/usr/bin/env bash
# Installs GitHub spec-kit's `specify` CLI (PyPI package specify-cli, PINNED) into a cached, project-independent
# virtualenv and prints the absolute path of the `specify` executable on stdout (progress goes to stderr).
#
#   bash scripts/install-speckit.sh            # -> /root/.cache/agentic-sdlc/specify-cli-1.2.3/bin/specify
#   SPECIFY="$(bash scripts/install-speckit.sh)" && "$SPECIFY" version
#
# Environment:
#   SPECKIT_VERSION   version to install (default below; tests and CI use the default)
#   ASDLC_CACHE_DIR   cache root (default: ${XDG_CACHE_HOME:-$HOME/.cache}/agentic-sdlc)
#   PYTHON            interpreter (default: python3; needs >= 3.11, the venv module and pip)
#
# A second call is instant: the venv is reused when its `specify` runs and reports the pinned version.
# `specify init` itself needs no network (spec-kit >= 0.4.5 ships its templates in the wheel); only this
# install reaches PyPI, through pip's ordinary configuration (PIP_INDEX_URL etc. are honoured).
set -euo pipefail

SPECKIT_VERSION="${SPECKIT_VERSION:-1.2.3}"
PYTHON="${PYTHON:-python3}"
CACHE_ROOT="${ASDLC_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/agentic-sdlc}"
VENV="$CACHE_ROOT/specify-cli-$SPECKIT_VERSION"
BIN="$VENV/bin/specify"

installed_ok() {
  [ -x "$BIN" ] && "$VENV/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('specify-cli') != '$SPECKIT_VERSION')" 2>/dev/null
}

if ! installed_ok; then
  if ! command -v "$PYTHON" >/dev/null 2>&1; then
    echo "install-speckit: $PYTHON not found; install Python >= 3.11 or set PYTHON" >&2
    exit 1
  fi
  mkdir -p "$CACHE_ROOT"
  # One installer at a time per version (parallel test workers share the cache).
  exec 9>"$CACHE_ROOT/.specify-cli-$SPECKIT_VERSION.lock"
  flock 9
  if ! installed_ok; then
    echo "install-speckit: installing specify-cli==$SPECKIT_VERSION into $VENV" >&2
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
    if ! "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-input \
      "specify-cli==$SPECKIT_VERSION" >&2; then
      rm -rf "$VENV"
      echo "install-speckit: pip install specify-cli==$SPECKIT_VERSION failed" >&2
      exit 1
    fi
  fi
  flock -u 9
fi

installed_ok || {
  echo "install-speckit: $BIN does not report specify-cli $SPECKIT_VERSION" >&2
  exit 1
}
echo "$BIN"
