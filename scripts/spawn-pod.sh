#!/usr/bin/env bash
# Spawn one Kubernetes Job per ready [ASYNC] task of a feature and stream every agent's log here.
# A thin wrapper over: asdlc run --executor k8s --env <env> …   (see apps/cli/README.md)
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: scripts/spawn-pod.sh <dev|stg|prod> [tasks.md|feature-dir] [asdlc run options…]

Runs the ready [ASYNC] tasks as Jobs in namespace agent-runner-<env> (the runner release of that
environment must be installed: helm upgrade --install agentic-sdlc-agent-runner-<env> …).
Ctrl-C detaches (the Jobs go on; `asdlc attach <run>` resumes); Ctrl-C twice within 2 s cancels.

Examples:
  scripts/spawn-pod.sh dev                                   # the active feature, namespace agent-runner-dev
  scripts/spawn-pod.sh stg specs/001-demo --tasks T010,T011  # two tasks in staging
  scripts/spawn-pod.sh prod --parallel 8 --timeout 45m --context prod-cluster

Options are asdlc run's (scripts/spawn-pod.sh dev --help-run lists them). ASDLC_BIN overrides the CLI used.
USAGE
}

case "${1:-}" in
  -h | --help | '') usage; [ -n "${1:-}" ] && exit 0 || exit 2 ;;
  dev | stg | prod) env="$1"; shift ;;
  *) echo "spawn-pod.sh: the first argument must be dev, stg or prod (got \"$1\")" >&2; usage >&2; exit 2 ;;
esac

# The CLI: ASDLC_BIN (a binary or dist/bin.js), else this repository's build, else asdlc on PATH.
_asdlc_repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
asdlc() {
  if [ -n "${ASDLC_BIN:-}" ]; then
    case "$ASDLC_BIN" in
      *.js) node "$ASDLC_BIN" "$@" ;;
      *) "$ASDLC_BIN" "$@" ;;
    esac
  elif [ -f "$_asdlc_repo/apps/cli/dist/bin.js" ]; then
    node "$_asdlc_repo/apps/cli/dist/bin.js" "$@"
  elif command -v asdlc >/dev/null 2>&1; then
    command asdlc "$@"
  else
    echo "asdlc not found: build it (pnpm --filter @agentic-sdlc/cli build) or install @agentic-sdlc/cli" >&2
    return 127
  fi
}

if [ "${1:-}" = "--help-run" ]; then asdlc run --help; exit 0; fi
asdlc run --executor k8s --env "$env" "$@"
