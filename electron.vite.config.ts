/**
 * The desktop build (`npm run build` = electron-vite build):
 * - main: out/main/index.js (main/electron/main.ts) and out/main/engine-host.js
 *   (the utility process), ESM; better-sqlite3 and the other runtime
 *   dependencies stay external (node_modules, rebuilt for Electron by
 *   electron-builder); the SQL migrations are copied to out/main/schema/,
 *   where main/engine/storage/database.ts looks for them. Files under
 *   resources/ (electron-vite's public folder for main) are imported with
 *   `?asset` and packaged as they are (main/electron/icons.ts).
 * - preload: ONE CommonJS file, out/preload/index.cjs, with zod and the
 *   contract inlined: a sandboxed preload cannot require anything but
 *   'electron'. tests/desktop/build-output.test.ts checks that.
 * - renderer: renderer/ → out/renderer, the same output as renderer/vite.config.ts.
 * Output folders are electron-vite's defaults (out/main, out/preload,
 * out/renderer), so `--outDir` moves all three.
 * Works without the Electron binary.
 */
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';
import type { Plugin } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const at = (p: string) => resolve(root, p);

/** Copies the numbered migrations beside the bundled engine (whatever --outDir says). */
function copySchema(): Plugin {
  let outDir = '';
  return {
    name: 'keepwatch:copy-schema',
    apply: 'build',
    configResolved(config) {
      outDir = config.build.outDir;
    },
    writeBundle() {
      const from = at('main/engine/storage/schema');
      const to = join(outDir, 'schema');
      mkdirSync(to, { recursive: true });
      for (const f of readdirSync(from)) if (f.endsWith('.sql')) copyFileSync(join(from, f), join(to, f));
    },
  };
}

/** Development: the engine listens on this loopback port; Vite proxies /api (and live WebSockets) to it. */
const DEV_API_PORT = 8751;

export default defineConfig({
  main: {
    build: {
      externalizeDeps: true,
      rolldownOptions: {
        input: {
          index: at('main/electron/main.ts'),
          'engine-host': at('main/electron/engine-host.ts'),
        },
        external: ['better-sqlite3'],
        output: { chunkFileNames: 'chunks/shared-[hash].js' },
      },
    },
    plugins: [copySchema()],
  },
  preload: {
    build: {
      // Everything but 'electron' is inlined: sandboxed preloads cannot require.
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: at('preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs', codeSplitting: false },
      },
    },
  },
  renderer: {
    root: at('renderer'),
    base: './',
    plugins: [react()],
    build: {
      emptyOutDir: true,
      rolldownOptions: { input: at('renderer/index.html') },
    },
    server: {
      host: '127.0.0.1',
      proxy: {
        '/api': {
          target: `http://127.0.0.1:${DEV_API_PORT}`,
          ws: true,
          changeOrigin: true,
          // The engine accepts WebSocket upgrades only from its own origin.
          configure: (proxy) => {
            proxy.on('proxyReqWs', (proxyReq) => proxyReq.setHeader('origin', `http://127.0.0.1:${DEV_API_PORT}`));
          },
        },
      },
    },
  },
});
