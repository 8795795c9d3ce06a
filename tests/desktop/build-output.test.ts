/**
 * `electron-vite build` works without the Electron binary, and its output is
 * what a hardened app needs: the preload is ONE CommonJS file whose only
 * require is 'electron' (sandboxed preloads cannot require anything else),
 * the engine host never loads electron and keeps better-sqlite3 external, the
 * SQL migrations sit beside the bundled engine. Builds main + preload into a
 * temporary folder (the renderer is built and tested on its own).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseSync } from 'vite';
import { specifiersOf } from './import-walker.ts';
import { tempDir } from '../helpers/tmp.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const tmp = tempDir('kw-build-');
const out = join(tmp.dir, 'out');
let build: { status: number | null; output: string };

beforeAll(() => {
  // Inside the project (test-artifacts/ is git-ignored), so the config's packages resolve.
  const configDir = join(ROOT, 'test-artifacts', 'desktop');
  mkdirSync(configDir, { recursive: true });
  const config = join(configDir, 'electron.vite.main-preload.config.ts');
  writeFileSync(
    config,
    `import full from ${JSON.stringify(join(ROOT, 'electron.vite.config.ts'))};\nexport default { main: full.main, preload: full.preload };\n`,
  );
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/electron-vite/bin/electron-vite.js'), 'build', ROOT, '-c', config, '--outDir', out, '--logLevel', 'warn'], {
    cwd: ROOT,
    env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' },
    encoding: 'utf8',
    timeout: 120_000,
  });
  build = { status: r.status, output: `${r.stdout}\n${r.stderr}` };
}, 150_000);
afterAll(() => tmp.cleanup());

describe('electron-vite build (main + preload)', () => {
  it('succeeds without the Electron binary', () => {
    expect(build.status, build.output.slice(-3000)).toBe(0);
  });

  it('writes the preload as one CommonJS file that requires only electron', () => {
    expect(readdirSync(join(out, 'preload'))).toEqual(['index.cjs']);
    const file = join(out, 'preload', 'index.cjs');
    const source = readFileSync(file, 'utf8');
    const parsed = parseSync(file, source, { lang: 'js', sourceType: 'commonjs' });
    expect(parsed.errors).toEqual([]);
    expect(parsed.module.staticImports).toEqual([]); // no ESM syntax at all
    expect(parsed.module.staticExports).toEqual([]);
    expect(parsed.module.dynamicImports).toEqual([]);
    expect(specifiersOf(file, source).specifiers).toEqual(['electron']);
    expect(source).toContain('exposeInMainWorld("keepwatch"');
    expect(source).toContain('jitless: true'); // no eval in the preload
  });

  it('writes the main process and the engine host; the engine never loads electron', () => {
    const main = join(out, 'main');
    expect(existsSync(join(main, 'index.js'))).toBe(true);
    expect(existsSync(join(main, 'engine-host.js'))).toBe(true);
    const files = [join(main, 'engine-host.js'), ...readdirSync(join(main, 'chunks')).map((f) => join(main, 'chunks', f))];
    const hostImports = files.flatMap((f) => specifiersOf(f, readFileSync(f, 'utf8')).specifiers);
    expect(hostImports.filter((s) => s === 'electron' || s.startsWith('electron/'))).toEqual([]);
    expect(hostImports).toContain('better-sqlite3'); // external: the native module is rebuilt for Electron, not bundled
    expect(specifiersOf(join(main, 'index.js'), readFileSync(join(main, 'index.js'), 'utf8')).specifiers).toContain('electron');
  });

  it('copies every SQL migration beside the bundled engine', () => {
    const sql = readdirSync(join(ROOT, 'main/engine/storage/schema')).filter((f) => f.endsWith('.sql'));
    expect(sql.length).toBeGreaterThan(0);
    expect(readdirSync(join(out, 'main', 'schema')).sort()).toEqual(sql.sort());
  });

  it('points the tray at the icon files in resources/ (electron-vite ?asset), relative to the bundle', () => {
    const main = join(out, 'main');
    const bundle = [join(main, 'index.js'), ...readdirSync(join(main, 'chunks')).map((f) => join(main, 'chunks', f))].map((f) => readFileSync(f, 'utf8')).join('\n');
    for (const state of ['ok', 'warn', 'error', 'idle']) {
      const ref = new RegExp(`join(?:\\$\\d+)?\\(import\\.meta\\.dirname, "([^"]*resources/tray/${state}\\.png)"\\)`).exec(bundle);
      expect(ref, state).not.toBeNull();
      expect(existsSync(join(main, ref![1])), ref![1]).toBe(true);
    }
  });
});
