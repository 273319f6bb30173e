# SecureLog image: Node 24 runs the TypeScript sources directly (type stripping), so there is no build step.
FROM node:24-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only; the pinned-Node dev dependency is for hosts whose own Node is older.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM node:24-slim
ENV NODE_ENV=production
# As in bin/securelog.mjs: fewer glibc malloc arenas for SecureLog's two threads.
ENV MALLOC_ARENA_MAX=2
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY bin ./bin
COPY src ./src
COPY samples ./samples
# Owned by the runtime user, so a volume mounted here (the compose stack's key) is writable by it.
RUN mkdir -p /var/lib/securelog && chown 1000:1000 /var/lib/securelog
# The image's "node" user, by number: Kubernetes can only check runAsNonRoot against a numeric user.
USER 1000:1000
# Metrics, /healthz and /readyz on 9464 by default in the image (set SECURELOG_METRICS_PORT to change it).
ENV SECURELOG_METRICS_PORT=9464
EXPOSE 9464
# No curl in the image: Node asks /healthz itself. Only `run` serves it; other commands are short-lived.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.SECURELOG_METRICS_PORT + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# No init process (tini, --init): SecureLog starts no child processes, so there is nothing to reap, and as PID 1
# it handles SIGTERM and SIGINT itself (finish in-flight batches, then exit; test/e2e/signals.test.ts).
# The same V8 memory flags as bin/securelog.mjs (docs/reliability.md).
ENTRYPOINT ["node", "--max-semi-space-size=16", "--max-old-space-size=160", "--no-concurrent-recompilation", "src/cli/entry.ts"]
CMD ["run"]
