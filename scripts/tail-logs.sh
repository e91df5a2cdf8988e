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

# shellcheck source=scripts/_asdlc.sh
source "$(dirname "${BASH_SOURCE[0]}")/_asdlc.sh"
asdlc_env_arg tail-logs.sh "$@"
shift

if [ "${1:-}" = "--help-logs" ]; then asdlc logs --help; exit 0; fi
asdlc logs -f --env "$env" "$@"
