# gloria-search API image: Node 22 LTS, production dependencies only, non-root.
# GPU hosts: build with --build-arg ONNXRUNTIME_NODE_INSTALL=cuda12 (see docker-compose.gpu.yml),
# which fetches ONNX Runtime's CUDA provider libraries during the build.

FROM node:22-bookworm-slim AS build
WORKDIR /app
ARG ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json .npmrc ./
COPY scripts ./scripts
COPY prisma ./prisma
COPY prisma.config.ts ./
RUN npm ci --ignore-scripts \
 && node scripts/prisma-generate.mjs \
 && ONNXRUNTIME_NODE_INSTALL=${ONNXRUNTIME_NODE_INSTALL} node node_modules/onnxruntime-node/script/install \
 && npm prune --omit=dev --ignore-scripts

FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4000 \
    GLORIA_DATA_DIR=/data
WORKDIR /app
RUN groupadd --system gloria && useradd --system --gid gloria --home-dir /app gloria \
 && mkdir -p /data && chown gloria:gloria /data
COPY --from=build --chown=gloria:gloria /app/node_modules ./node_modules
COPY --chown=gloria:gloria package.json ./
COPY --chown=gloria:gloria bin ./bin
COPY --chown=gloria:gloria src ./src
COPY --from=build --chown=gloria:gloria /app/src/generated/prisma ./src/generated/prisma
COPY --chown=gloria:gloria migrations ./migrations
COPY --chown=gloria:gloria models ./models
USER gloria
VOLUME ["/data"]
EXPOSE 4000
CMD ["node", "bin/gloria.mjs", "serve"]
