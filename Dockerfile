# syntax=docker/dockerfile:1

# Build: compile TypeScript with the dev dependencies.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# The widget and the console bundle the shared client core (and its browser adapters) from source.
COPY client/package.json ./client/
COPY client/src ./client/src
COPY client/browser ./client/browser
COPY widget ./widget
COPY console ./console
COPY scripts ./scripts
RUN npm run build

# Runtime: production dependencies and the compiled code only, as a non-root user.
FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=3001 \
    PGLITE_DIR=/app/data/pglite \
    DATA_DIR=/app/data
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force \
 && mkdir -p /app/data && chown node:node /app/data
COPY --from=build /app/dist ./dist
USER node
# 2525: inbound email replies, when INBOUND_SMTP_PORT=2525.
EXPOSE 3001 2525
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3001) + '/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Migrations also run on their own: docker run IMAGE node dist/cli/migrate.js
CMD ["node", "dist/main.js"]
