# Shared by scripts/spawn-pod.sh and scripts/tail-logs.sh (sourced, not run). The caller defines usage().

# Reads the environment (dev|stg|prod) from the first argument into $env; --help prints the caller's usage.
asdlc_env_arg() {
  local script="$1"
  shift
  case "${1:-}" in
    -h | --help | '') usage; [ -n "${1:-}" ] && exit 0 || exit 2 ;;
    dev | stg | prod) env="$1" ;;
    *) echo "$script: the first argument must be dev, stg or prod (got \"$1\")" >&2; usage >&2; exit 2 ;;
  esac
}

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
