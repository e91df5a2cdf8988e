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

# shellcheck source=scripts/_asdlc.sh
source "$(dirname "${BASH_SOURCE[0]}")/_asdlc.sh"
asdlc_env_arg spawn-pod.sh "$@"
shift

if [ "${1:-}" = "--help-run" ]; then asdlc run --help; exit 0; fi
asdlc run --executor k8s --env "$env" "$@"
