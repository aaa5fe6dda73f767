/**
 * The layers, top to bottom (CONTRIBUTING.md "Layout"): data flows one way, API → Temporal workflows → activities →
 * Twilio and PostgreSQL; no layer imports from a layer above it. `npm run check:layers` (in `npm test`).
 *   entry points and tools: cli/ dev/ bench/ test/ (may import anything)
 *   api/, worker/          the processes (composition roots)
 *   workflows/             deterministic business processes (type-only imports of activities)
 *   activities/            Twilio and PostgreSQL side effects
 *   db/                    PostgreSQL
 *   compliance/ config/    pure rules and settings
 *   schemas/               the shared payload schemas and types
 * The sandbox (a fake Twilio) and the front-end packages stand apart from the service's code.
 */
const below = {
  schemas: ['schemas'],
  config: ['config', 'schemas'],
  compliance: ['compliance', 'config', 'schemas'],
  db: ['db', 'config', 'compliance', 'schemas'],
  activities: ['activities', 'db', 'config', 'compliance', 'schemas'],
  workflows: ['workflows', 'activities', 'db', 'compliance', 'schemas'],
  api: ['api', 'workflows', 'activities', 'db', 'config', 'compliance', 'schemas'],
  worker: ['worker', 'workflows', 'activities', 'db', 'config', 'compliance', 'schemas'],
  sandbox: ['sandbox', 'compliance', 'schemas'],
  client: ['client', 'schemas'],
  react: ['react', 'client', 'schemas'],
  web: ['web', 'react', 'client', 'schemas'],
};
const layers = Object.keys(below);

/**
 * Inside each layer, code is grouped by product (CONTRIBUTING.md "Layout"), one name per product in every layer, and
 * what products share is in the layer's kit/. A product uses its own folders, the kits, the platform (keys,
 * audit, costs, quotas, webhooks) and numbers (every product holds numbers); never another product. The kits
 * and the platform use no product. The layers' entry points (app.ts, index.ts, main.ts, worker/) compose them.
 */
const products = ['numbers', 'a2p', 'sip', 'lookups', 'number-health', 'voice-trust', 'tollfree'];
const shared = ['kit', 'platform'];
const productLayers = '(api|workflows|activities|worker|db|schemas|compliance)';
const inFolder = (names) => `^${productLayers}/(${names.join('|')})/`;
const mayUse = Object.fromEntries([
  ...products.map((p) => [p, [p, ...shared, 'numbers']]),
  ...shared.map((s) => [s, shared]),
]);
const anyLayer = `^(${layers.join('|')})/`;

module.exports = {
  forbidden: [
    ...layers.map((layer) => ({
      name: `${layer}-imports-only-below`,
      comment: `${layer}/ may import only from ${below[layer].join(', ')}`,
      severity: 'error',
      from: { path: `^${layer}/` },
      to: { path: anyLayer, pathNot: `^(${below[layer].join('|')})/` },
    })),
    {
      name: 'workflows-only-types-of-activities',
      comment: 'workflow code runs in the deterministic sandbox: it may name activities and PostgreSQL rows only as types',
      severity: 'error',
      from: { path: '^workflows/' },
      to: { path: '^(activities|db)/', dependencyTypesNot: ['type-only'] },
    },
    ...Object.entries(mayUse).map(([folder, allowed]) => ({
      name: `${folder}-uses-only-${allowed.join('-')}`,
      comment: `a ${folder}/ folder may import only from ${allowed.join(', ')} folders (and its layer's entry points)`,
      severity: 'error',
      from: { path: inFolder([folder]) },
      to: { path: inFolder([...products, ...shared].filter((f) => !allowed.includes(f))) },
    })),
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|\\.tools)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.js', '.mjs', '.json'] },
  },
};
