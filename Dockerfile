# syntax=docker/dockerfile:1
# Runnel: one image for the broker and the operator. The entrypoint is the `runnel` command;
# containers pick the subcommand with their args (`broker ...`, `operator ...`).
#
# Node runs the TypeScript sources directly (type stripping): there is no build step. The first
# stage installs the production dependencies; the runtime stage copies them with the sources and
# runs as a non-root user, writing nothing outside the volumes it is given (`--data-dir`).
# test/process/dockerfile.test.ts checks these rules and lints this file with hadolint.

# The same Node as the project's pinned `node` devDependency (the test checks they match).
FROM node:24.21.0-trixie-slim AS dependencies
WORKDIR /app
# Manifests only, so this layer is rebuilt when dependencies change, not when sources do. Every
# workspace package the image runs is listed (the test checks that none is missing); the test
# workspace (test/kube) is left out, and npm ci accepts its absence.
COPY package.json package-lock.json ./
COPY packages/broker/package.json packages/broker/
COPY packages/cli/package.json packages/cli/
COPY packages/client/package.json packages/client/
COPY packages/metadata/package.json packages/metadata/
COPY packages/monitoring/package.json packages/monitoring/
COPY packages/operator/package.json packages/operator/
COPY packages/protocol/package.json packages/protocol/
COPY packages/storage/package.json packages/storage/
# Exactly the locked production dependencies. No install scripts: the native modules
# (@node-rs/crc32, snappy, lz4-napi) come prebuilt in per-platform packages, and Node itself
# comes from the base image, not from the `node` devDependency.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:24.21.0-trixie-slim
# version = the root package.json's (the test checks it); a release build may override it with
# `docker build --label org.opencontainers.image.version=…`.
LABEL org.opencontainers.image.title="runnel" \
      org.opencontainers.image.description="A Kafka-style distributed commit log, native to Kubernetes: broker and operator" \
      org.opencontainers.image.version="0.1.0" \
      org.opencontainers.image.base.name="docker.io/library/node:24.21.0-trixie-slim"
ENV NODE_ENV=production
WORKDIR /app
COPY --from=dependencies /app/node_modules ./node_modules
COPY package.json ./
COPY proto ./proto
COPY packages ./packages
# The base image's `node` user, by number so that Kubernetes can verify runAsNonRoot.
USER 1000:1000
ENTRYPOINT ["node", "/app/packages/cli/src/main.ts"]
CMD ["--help"]
