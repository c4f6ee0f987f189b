# One image for every service; SERVICE picks which one runs (ingest, stream-processors, core-api, edge-agent).
FROM node:20-bookworm-slim AS build
WORKDIR /app
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json .npmrc tsconfig.base.json tsconfig.json ./
COPY packages ./packages
COPY edge-agent ./edge-agent
COPY ingest ./ingest
COPY stream-processors ./stream-processors
COPY core-api ./core-api
COPY dashboards ./dashboards
COPY platform ./platform
COPY bench ./bench
COPY firmware-configs ./firmware-configs
RUN npm ci && npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app /app
# The image store volume (docker-compose `images`) takes this folder's owner when first mounted.
RUN mkdir -p /data/images && chown node:node /data/images
ARG SERVICE=core-api
ENV SERVICE=${SERVICE}
USER node
CMD ["sh", "-c", "exec node --enable-source-maps ${SERVICE}/dist/main.js"]
