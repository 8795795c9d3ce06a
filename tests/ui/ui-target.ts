/**
 * The UI the page tests drive: the real renderer (app frame + pages, hash
 * routes #/cameras and #/settings), built with renderer/vite.config.ts into a
 * folder of this test's own, so it never races another test file rebuilding
 * the shared out/renderer.
 */
import { build } from 'vite';
import { fileURLToPath } from 'node:url';

const CONFIG = fileURLToPath(new URL('../../renderer/vite.config.ts', import.meta.url));

export interface UiTarget {
  /** Folder the headless server serves as its UI. */
  staticDir: string;
  /** The location hash that opens a page. */
  hash(page: 'cameras' | 'settings'): string;
}

export async function buildUi(outDir: string): Promise<UiTarget> {
  await build({ configFile: CONFIG, logLevel: 'error', build: { outDir, emptyOutDir: true } });
  return { staticDir: outDir, hash: (p) => `#/${p}` };
}
