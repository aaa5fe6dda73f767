# One image for the API (with the web console), the worker and the sandbox; docker-compose picks the entrypoint.

# The console is built to static files in a stage of its own (it needs Vite, a dev dependency).
FROM node:20-bookworm-slim AS console
WORKDIR /app
COPY package.json package-lock.json ./
COPY client/package.json client/
COPY react/package.json react/
COPY web/package.json web/
RUN npm install --no-audit --no-fund --ignore-scripts
COPY client client
COPY react react
COPY web web
RUN npm run build:web

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
COPY client/package.json client/
COPY react/package.json react/
COPY web/package.json web/
RUN npm install --omit=dev --no-audit --no-fund
COPY . .
COPY --from=console /app/web/dist web/dist
# Workers load this pre-built workflow bundle instead of bundling at start-up.
RUN npx tsx worker/build-bundle.ts dist/workflow-bundle.js
ENV WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js
USER node
CMD ["node", "--import", "tsx", "api/main.ts"]
