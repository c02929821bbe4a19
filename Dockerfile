# syntax=docker/dockerfile:1
# Build: compile TypeScript with the full toolchain.
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

# Run: compiled JavaScript and production dependencies only, as an unprivileged user.
FROM node:24-slim
ENV NODE_ENV=production \
    FXMIRROR_DATA=/app/data
WORKDIR /app
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --chown=node:node package.json ./
RUN mkdir -p /app/data && chown node:node /app/data
USER node
VOLUME ["/app/data"]
# SIGTERM (docker stop) flushes the outbox and the state file before exit.
STOPSIGNAL SIGTERM
CMD ["node", "dist/main.js"]
