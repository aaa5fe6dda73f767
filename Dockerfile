# One image for the API, the worker and the sandbox; docker-compose picks the entrypoint.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm install --omit=dev --no-audit --no-fund
COPY . .
# Workers load this pre-built workflow bundle instead of bundling at start-up.
RUN npx tsx worker/build-bundle.ts dist/workflow-bundle.js
ENV WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js
USER node
CMD ["node", "--import", "tsx", "api/main.ts"]
