# redis-zk-server: decides master or replica under the ZooKeeper lock and supervises redis-server
# Build from the repository root:  docker build -f docker/server.Dockerfile -t redis-zk/server:0.2.0 .
# (or scripts/images.sh for all three, with podman or docker, also without access to Docker Hub).
# The three Dockerfiles share the same build stage; only the runtime stage differs.

# The bases, pinned by digest so that a rebuild starts from the same bytes: node:24-bookworm-slim
# (Node 24.18.0) to build and for the node binary, debian:bookworm-slim to run. Override with
# --build-arg NODE_IMAGE=… / DEBIAN_IMAGE=… (scripts/images.sh --local-base does).
ARG NODE_IMAGE=docker.io/library/node:24-bookworm-slim@sha256:6f7b03f7c2c8e2e784dcf9295400527b9b1270fd37b7e9a7285cf83b6951452d
ARG DEBIAN_IMAGE=docker.io/library/debian:bookworm-slim@sha256:3783cc01769c7b2b1b83a5c5ad96c815348e28ed7da68e2e3687004faa906251

# --- build: install the workspace exactly as locked, bundle every program into one file each
FROM ${NODE_IMAGE} AS build
RUN npm i -g pnpm@10.34.9
WORKDIR /src
COPY . .
RUN pnpm install --frozen-lockfile && node scripts/build.mjs

# --- runtime: Debian, the node binary, Debian's packages the program wraps (pinned), the bundle and
# nothing else. Not FROM the node image: its npm, corepack, yarn and C headers (about 50 MB) would
# stay in its layers whatever a later layer removes.
FROM ${DEBIAN_IMAGE}
# SERVER=redis (Debian bookworm's Redis 7.0) or valkey (Valkey 8.0 from bookworm-backports, on
# the mirror the base image already uses): --build-arg SERVER=valkey, or scripts/images.sh --valkey.
ARG SERVER=redis
ARG REDIS_VERSION=5:7.0.15-1~deb12u10
ARG VALKEY_VERSION=8.0.1+dfsg1-1~bpo12+1
ARG TINI_VERSION=0.19.0-1+b3
# The unprivileged user of the node image (uid/gid 1000, what Marathon's sandboxes expect).
RUN groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node \
 && case "$SERVER" in \
      redis) pkgs="redis-server=${REDIS_VERSION} redis-tools=${REDIS_VERSION}"; suite="" ;; \
      valkey) pkgs="valkey-server=${VALKEY_VERSION} valkey-tools=${VALKEY_VERSION}"; suite="-t bookworm-backports" \
        && mirror="$(sed -n 's/^URIs:[[:space:]]*//p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -n 1)" \
        && if [ -z "$mirror" ]; then mirror="$(awk '/^deb / && $0 !~ /security/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null)"; fi \
        && printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "${mirror:-http://deb.debian.org/debian}" > /etc/apt/sources.list.d/bookworm-backports.sources ;; \
      *) echo "SERVER=$SERVER: expected redis or valkey" >&2; exit 1 ;; \
    esac \
 && apt-get update \
 && apt-get install -y --no-install-recommends $suite $pkgs tini=${TINI_VERSION} \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log /usr/share/doc/* /usr/share/man/* /usr/share/info/*
COPY --from=build /usr/local/bin/node /usr/local/bin/node
WORKDIR /app
COPY --from=build /src/packages/server/dist/redis-zk-server.mjs /src/packages/server/dist/redis-zk-server.mjs.map /app/
# The operator's command line, in every image: `redis-zk list`, `check`, `pause`… (docs/operations/cli.md).
COPY --from=build /src/packages/cli/dist/redis-zk.mjs /app/
RUN printf '#!/bin/sh\nexec node /app/redis-zk.mjs "$@"\n' > /usr/local/bin/redis-zk && chmod 755 /usr/local/bin/redis-zk
# Marathon sets MESOS_SANDBOX; without it (plain docker run) work files go under the temp dir.
# Source maps are shipped but not loaded (7 MB more per process): for readable stack traces
# while debugging, run with NODE_OPTIONS=--enable-source-maps.
ENV NODE_ENV=production
# Nothing here needs root.
USER node
EXPOSE 6379
# Node flags: WRAPPER_NODE_FLAGS (packages/core/src/process/node-flags.ts), for memory.
# tini as PID 1 reaps zombies and forwards SIGTERM/SIGINT to the program, which forwards them
# to its child and exits with the child's status.
ENTRYPOINT ["/usr/bin/tini", "--", "node", "--lite-mode", "--max-semi-space-size=1", "/app/redis-zk-server.mjs"]
