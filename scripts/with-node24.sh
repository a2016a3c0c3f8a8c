#!/usr/bin/env bash
# Runs a command under Node 24 LTS, the images' runtime, installed once from the npm registry's
# `node` package into a cache outside the checkout (about 10 s the first time).
# usage: scripts/with-node24.sh node_modules/vitest/vitest.mjs run
set -euo pipefail
cache="${REDIS_ZK_NODE24_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/redis-zk/node24}"
if [ ! -x "$cache/node_modules/.bin/node" ]; then
  echo "with-node24: installing Node 24 from the npm registry into $cache" >&2
  mkdir -p "$cache"
  (cd "$cache" && npm i --no-save --no-package-lock --no-audit --no-fund --loglevel=error node@24 >/dev/null)
fi
node24="$(readlink -f "$cache/node_modules/.bin/node")"
echo "with-node24: $("$node24" --version)" >&2
exec "$node24" "$@"
