#!/usr/bin/env bash
# Follow the agents' logs of a run, every task in one stream prefixed by its id (stern-like).
# A thin wrapper over: asdlc logs -f --env <env> …   (see apps/cli/README.md)
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: scripts/tail-logs.sh <dev|stg|prod> [task…] [asdlc logs options…]

Follows the logs of the latest run (or --run <id>) until its tasks end. For a run started on another
machine, name it with --run <id>: its tasks are then read from namespace agent-runner-<env>.

Examples:
  scripts/tail-logs.sh dev                          # every task of the latest run
  scripts/tail-logs.sh dev T010 T011 --since 10m    # two tasks, the last 10 minutes first
  scripts/tail-logs.sh stg --run nightly-42 --json  # NDJSON for machines

Options are asdlc logs' (scripts/tail-logs.sh dev --help-logs lists them). ASDLC_BIN overrides the CLI used.
USAGE
}

case "${1:-}" in
  -h | --help | '') usage; [ -n "${1:-}" ] && exit 0 || exit 2 ;;
  dev | stg | prod) env="$1"; shift ;;
  *) echo "tail-logs.sh: the first argument must be dev, stg or prod (got \"$1\")" >&2; usage >&2; exit 2 ;;
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

if [ "${1:-}" = "--help-logs" ]; then asdlc logs --help; exit 0; fi
asdlc logs -f --env "$env" "$@"
