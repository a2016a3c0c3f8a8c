#!/usr/bin/env bash
# Builds the three program bundles of a past release from its commit, for the upgrade test:
#   scripts/build-release.sh [commit] [out-dir]
# Default: 0.1.0 (commit be39eb3, tag v0.1.0) into .cache/release-0.1.0. Skipped when the
# bundles are already there. Needs what scripts/setup.sh installs (pnpm, the npm registry).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rev="${1:-be39eb301621e8f1d91dee217468a9428d3916cd}"
out="${2:-$root/.cache/release-0.1.0}"
if [ -f "$out/redis-zk-server.mjs" ] && [ -f "$out/redis-zk-sentinel.mjs" ] && [ -f "$out/redis-zk-watcher.mjs" ]; then exit 0; fi
git -C "$root" cat-file -e "$rev^{commit}" 2>/dev/null || { echo "build-release: commit $rev is not in this clone's history" >&2; exit 1; }
src="$(mktemp -d -t redis-zk-release.XXXXXX)"
log="$src.log"
trap 'rm -rf "$src" "$log"' EXIT
git -C "$root" archive "$rev" | tar -x -C "$src"
cd "$src"
if ! { pnpm install --frozen-lockfile --prefer-offline && node scripts/build.mjs; } >"$log" 2>&1; then
  echo "build-release: building $rev failed:" >&2
  tail -n 30 "$log" >&2
  exit 1
fi
mkdir -p "$out"
for p in server sentinel watcher; do cp "packages/$p/dist/redis-zk-$p.mjs" "$out/"; done
echo "build-release: bundles of $rev in $out" >&2
