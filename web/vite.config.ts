import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/** Builds the console to web/dist, which the API serves at /. The packages are built from source. */
export default defineConfig({
  plugins: [react()],
  resolve: {
    alias: {
      '@twilio-pro/client': here('../client/src/index.ts'),
      '@twilio-pro/react': here('../react/src/index.ts'),
    },
  },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  server: { proxy: { '/v1': 'http://127.0.0.1:3000', '/console': 'http://127.0.0.1:3000' } },
});
