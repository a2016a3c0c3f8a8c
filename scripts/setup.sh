#!/usr/bin/env bash
# Installs whatever is missing to run redis-zk from this checkout, then builds the bundles.
# Idempotent and quiet: when everything is present it only rebuilds (about a second).
# Needs: Debian (apt-get) and Node >= 20.19, as root or with sudo for the Debian packages.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
log="$(mktemp -t redis-zk-setup.XXXXXX)"
trap 'rm -f "$log"' EXIT

say() { printf 'setup: %s\n' "$*" >&2; }
fail() {
  say "FAILED: $*"
  if [ -s "$log" ]; then
    say "last output:"
    tail -n 30 "$log" >&2
  fi
  exit 1
}
# Runs a command with its output in the log; shown only when it fails.
quiet() { "$@" >"$log" 2>&1; }

# --- Node -----------------------------------------------------------------------------------
command -v node >/dev/null 2>&1 || fail "node is not installed; install Node.js 20.19 or newer first"
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
  || fail "Node.js $(node -v) is too old; redis-zk needs 20.19 or newer"

# --- options ----------------------------------------------------------------------------------
for_tests=0
valkey=0
for arg in "$@"; do
  case "$arg" in
    --for-tests) for_tests=1 ;;
    --valkey) valkey=1 ;;
    *) fail "unknown option $arg; expected --for-tests (what the tests need too) and/or --valkey (Valkey 8 from bookworm-backports)" ;;
  esac
done

# --- Debian packages: redis-server, redis-sentinel, ZooKeeper (and the Java it runs on) --------
missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v redis-sentinel >/dev/null 2>&1 || missing+=(redis-sentinel)
{ [ -e /usr/share/java/zookeeper.jar ] && command -v java >/dev/null 2>&1; } || missing+=(zookeeper)
# `ip netns` for the partition test's hosts; util-linux's setpriv for parent-death signals.
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
command -v setpriv >/dev/null 2>&1 || missing+=(util-linux)
# A real load balancer in front of the group for the role-check test.
command -v haproxy >/dev/null 2>&1 || missing+=(haproxy)
# What only the tests need (`npm test` asks with --for-tests; `npm start` needs none of it): a
# real headless browser for the status page, podman (with runc and mmdebstrap) for the images.
if [ "$for_tests" = 1 ]; then
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v podman >/dev/null 2>&1 || missing+=(podman)
  command -v runc >/dev/null 2>&1 || missing+=(runc)
  command -v mmdebstrap >/dev/null 2>&1 || missing+=(mmdebstrap)
  # Independent clients the tests drive against a real group: redis-py's and Ruby's Sentinel
  # clients, and kazoo following the record (Debian's own python3, not whatever is first on PATH).
  /usr/bin/python3 -c 'import redis, kazoo' >/dev/null 2>&1 || missing+=(python3-redis python3-kazoo)
  command -v ruby >/dev/null 2>&1 && ruby -e 'require "redis"' >/dev/null 2>&1 || missing+=(ruby-redis)
fi
if [ "${#missing[@]}" -gt 0 ]; then
  command -v apt-get >/dev/null 2>&1 || fail "missing ${missing[*]} and apt-get is not available; install them (Debian packages zookeeper redis-server redis-sentinel) yourself"
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || fail "missing ${missing[*]}; run this as root (or install sudo) so apt-get can install them"
    sudo=(sudo)
  fi
  say "installing Debian packages: ${missing[*]} (one-time)"
  # Package scripts would start redis-server/zookeeper as system services on their default
  # ports; the programs start their own, so forbid service starts during the install.
  policy=/usr/sbin/policy-rc.d
  own_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null && "${sudo[@]}" chmod 755 "$policy" && own_policy=1
  fi
  install() { "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"; }
  # apt-get update only when there are no package lists, or the install fails without fresh ones.
  if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
    quiet "${sudo[@]}" apt-get update -q || { [ "$own_policy" = 1 ] && "${sudo[@]}" rm -f "$policy"; fail "apt-get update failed"; }
  fi
  if ! quiet install; then
    quiet "${sudo[@]}" apt-get update -q && quiet install || { [ "$own_policy" = 1 ] && "${sudo[@]}" rm -f "$policy"; fail "apt-get install ${missing[*]} failed"; }
  fi
  [ "$own_policy" = 1 ] && "${sudo[@]}" rm -f "$policy"
  command -v redis-server >/dev/null 2>&1 && command -v redis-sentinel >/dev/null 2>&1 && [ -e /usr/share/java/zookeeper.jar ] \
    || fail "apt-get installed ${missing[*]} but redis-server, redis-sentinel or /usr/share/java/zookeeper.jar is still missing"
fi

# --- Valkey 8 (--valkey): Debian's bookworm-backports on the mirror already configured ----------
if [ "$valkey" = 1 ] && ! { command -v valkey-server && command -v valkey-sentinel; } >/dev/null 2>&1; then
  command -v apt-get >/dev/null 2>&1 || fail "--valkey needs apt-get (Debian's valkey-server and valkey-sentinel from bookworm-backports); install Valkey 8 yourself and set REDIS_SERVER_BIN / REDIS_SENTINEL_BIN"
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || fail "--valkey: run this as root (or install sudo) so apt-get can install Valkey"
    sudo=(sudo)
  fi
  if ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    # The mirror the system already uses (deb822 or one-line format), else Debian's own.
    mirror="$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -n 1)"
    [ -n "$mirror" ] || mirror="$(sed -n 's/^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\([^[:space:]]*\).*/\2/p' /etc/apt/sources.list 2>/dev/null | grep -v security | head -n 1)"
    [ -n "$mirror" ] || mirror=http://deb.debian.org/debian
    say "adding bookworm-backports ($mirror) for Valkey"
    printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$mirror" \
      | "${sudo[@]}" tee /etc/apt/sources.list.d/redis-zk-bookworm-backports.sources >/dev/null
  fi
  say "installing Valkey 8 from bookworm-backports (one-time)"
  policy=/usr/sbin/policy-rc.d
  own_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null && "${sudo[@]}" chmod 755 "$policy" && own_policy=1
  fi
  quiet "${sudo[@]}" apt-get update -q \
    && quiet "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends -t bookworm-backports valkey-server valkey-sentinel valkey-tools \
    || { [ "$own_policy" = 1 ] && "${sudo[@]}" rm -f "$policy"; fail "apt-get install -t bookworm-backports valkey-server valkey-sentinel valkey-tools failed"; }
  [ "$own_policy" = 1 ] && "${sudo[@]}" rm -f "$policy"
  command -v valkey-server >/dev/null 2>&1 && command -v valkey-sentinel >/dev/null 2>&1 || fail "apt-get installed Valkey but valkey-server or valkey-sentinel is still missing"
fi

# --- pnpm and dependencies ------------------------------------------------------------------
if ! command -v pnpm >/dev/null 2>&1; then
  say "installing pnpm 10.34.9 (one-time)"
  quiet npm install -g pnpm@10.34.9 || fail "npm install -g pnpm@10.34.9 failed"
  command -v pnpm >/dev/null 2>&1 || fail "pnpm was installed but is not on PATH ($(npm prefix -g)/bin)"
fi
# pnpm writes node_modules/.modules.yaml on every install: older than the lockfile means stale.
if [ ! -e node_modules/.modules.yaml ] || [ pnpm-lock.yaml -nt node_modules/.modules.yaml ]; then
  say "installing dependencies (pnpm install --frozen-lockfile)"
  CI=true quiet pnpm install --frozen-lockfile || fail "pnpm install --frozen-lockfile failed"
  touch node_modules/.modules.yaml
fi

# --- build (always: esbuild, about a second) --------------------------------------------------
quiet node scripts/build.mjs || fail "the build (node scripts/build.mjs) failed"
