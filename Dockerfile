# The Lapse image: all-in-one by default (`node --max-old-space-size=1024 dist/apps/main.js`, as `npm start`;
# another heap budget: override the command); docker-compose.yml runs
# each microservice from it with its own command (package.json's start:<service>).
# .dockerignore keeps the host's node_modules, dist, .data and other local state out of the build context.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
# wget for the healthchecks in docker-compose.yml.
RUN apt-get update && apt-get install -y --no-install-recommends wget && rm -rf /var/lib/apt/lists/*
# Listen beyond the container's own loopback (the processes' default is 127.0.0.1), and keep every file a
# process writes (embedded PostgreSQL, generated admin token, notifier keys) in /data. /data exists and
# belongs to node before any volume is mounted on it, so a new named volume takes that owner.
ENV HOST=0.0.0.0 DATA_DIR=/data
RUN mkdir -p /data && chown node:node /data
WORKDIR /app
# Owned by node, the user the processes run as: embedded-postgres makes its binaries executable (chmod) at
# every start of the all-in-one image.
COPY --from=build --chown=node:node /app /app
USER node
CMD ["node", "--max-old-space-size=1024", "dist/apps/main.js"]
