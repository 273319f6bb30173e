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
RUN mkdir -p /var/lib/securelog && chown node:node /var/lib/securelog
USER node
EXPOSE 9464
# The same V8 memory flags as bin/securelog.mjs (docs/reliability.md).
ENTRYPOINT ["node", "--max-semi-space-size=4", "--max-old-space-size=160", "--no-concurrent-recompilation", "src/cli/entry.ts"]
CMD ["run"]
