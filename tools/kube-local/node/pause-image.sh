# Sourced by up.sh --real-node: PAUSE_TAR = the pause image tarball (localhost/agentic-sdlc/pause:3.10), built
# locally by tools/agent-image (static C pause, cached) unless PAUSE_TAR is already set.
# shellcheck shell=bash
if [ -z "${PAUSE_TAR:-}" ]; then
  images_json="$(bash "$REPO_ROOT/tools/agent-image/build.sh" --pause-only)" \
    || { say "error: building the pause image failed (tools/agent-image/build.sh --pause-only)"; exit 1; }
  { read -r PAUSE_TAR; read -r PAUSE_IMAGE; } < <(node -e 'const { pause } = JSON.parse(process.argv[1]); console.log(`${pause.tar}\n${pause.ref}`)' "$images_json")
fi
export PAUSE_TAR PAUSE_IMAGE
