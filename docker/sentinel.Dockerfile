# redis-zk-sentinel: supervises redis-sentinel monitoring the master recorded in ZooKeeper
# Build from the repository root:  docker build -f docker/sentinel.Dockerfile -t redis-zk/sentinel:0.2.0 .
# (The three Dockerfiles share the same build stage; only the runtime stage differs.)

# --- build: install the workspace exactly as locked, bundle every program into one file each
FROM node:24-bookworm-slim AS build
RUN npm i -g pnpm@10.34.9
WORKDIR /src
COPY . .
RUN pnpm install --frozen-lockfile && node scripts/build.mjs

# --- runtime: Node, Debian's packages the program wraps, the bundle and nothing else
FROM node:24-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends redis-sentinel tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /src/packages/sentinel/dist/redis-zk-sentinel.mjs /src/packages/sentinel/dist/redis-zk-sentinel.mjs.map /app/
# Marathon sets MESOS_SANDBOX; without it (plain docker run) work files go under the temp dir.
# Source maps are shipped but not loaded (7 MB more per process): for readable stack traces
# while debugging, run with NODE_OPTIONS=--enable-source-maps.
ENV NODE_ENV=production
# The node image's unprivileged user (uid 1000); nothing here needs root.
USER node
EXPOSE 26379
# Node flags: WRAPPER_NODE_FLAGS (packages/core/src/process/node-flags.ts), for memory.
# tini as PID 1 reaps zombies and forwards SIGTERM/SIGINT to the program, which forwards them
# to its child and exits with the child's status.
ENTRYPOINT ["/usr/bin/tini", "--", "node", "--lite-mode", "--max-semi-space-size=1", "/app/redis-zk-sentinel.mjs"]
