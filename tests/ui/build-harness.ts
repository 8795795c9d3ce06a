/**
 * Builds renderer/src/dev/harness.html (the Cameras and Settings pages
 * without the app frame) into a folder of its own, so these tests never race
 * other test files rebuilding out/renderer.
 */
import { build } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';

const harnessRoot = fileURLToPath(new URL('../../renderer/src/dev', import.meta.url));

export async function buildHarness(outDir: string): Promise<string> {
  await build({
    root: harnessRoot,
    base: './',
    configFile: false,
    logLevel: 'warn',
    plugins: [react()],
    build: {
      outDir,
      emptyOutDir: true,
      sourcemap: false,
      rollupOptions: { input: join(harnessRoot, 'harness.html') },
    },
  });
  // The server serves index.html at "/".
  const built = join(outDir, 'harness.html');
  if (existsSync(built)) renameSync(built, join(outDir, 'index.html'));
  return outDir;
}
