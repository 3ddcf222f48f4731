# moodle-provisioner container image.
#   docker build -t moodle-provisioner .
#   docker run --env-file .env -p 3000:3000 -v mp-data:/app/data moodle-provisioner              (the app)
#   docker run --rm --env-file .env -v mp-data:/app/data moodle-provisioner doctor              (any command)
#   docker exec <container> moodle-provisioner audit --since 2026-01-01                         (in a running one)
# Settings come from the environment (see .env.example); requests and the audit log live in /app/data (a volume).

# --- build: compile TypeScript and the native better-sqlite3 module --------------------------------------------
FROM node:24-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary fits; the tools stay in this stage only.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build \
  && chmod 755 dist/cli/main.js \
  && npm ci --omit=dev \
  && npm cache clean --force

# --- runtime: production dependencies and compiled JavaScript only ---------------------------------------------
FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=3000
# tini as PID 1: forwards SIGTERM to node (graceful stop) and reaps zombies.
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json /app/package-lock.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --chown=node:node manifest.yml ./
# The command-line entry point on PATH, for `docker exec <container> moodle-provisioner doctor`.
RUN mkdir -p /app/data && chown node:node /app/data \
  && ln -s /app/dist/cli/main.js /usr/local/bin/moodle-provisioner
USER node
VOLUME ["/app/data"]
EXPOSE 3000
# No curl in the slim image: node itself asks /healthz on the configured port.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# Arguments after the image name pick the command (doctor, audit …); without any, the app starts. The heap limit is
# that of `npm start` (package.json): V8 sizes its heap growth by it (docs/PERFORMANCE.md (f), "Memory").
ENTRYPOINT ["/usr/bin/tini", "--", "node", "--max-old-space-size=512", "/app/dist/cli/main.js"]
CMD ["start"]
