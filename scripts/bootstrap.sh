#!/usr/bin/env bash
# Prepares a fresh machine: Debian packages (git, ripgrep), the pinned pnpm, and the workspace's dependencies
# from the lockfile. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-system-deps.sh
pnpm_version=$(node -p "require('./package.json').packageManager.split('@')[1]")
if ! command -v pnpm >/dev/null || [ "$(pnpm --version)" != "$pnpm_version" ]; then
  echo "installing pnpm@${pnpm_version}" >&2
  npm install -g "pnpm@${pnpm_version}" >/dev/null
fi
pnpm install --frozen-lockfile
