/**
 * (5) Nothing reachable from the engine, the headless entries or the contract
 * imports electron: walked transitively through static imports (type-only
 * included), `export ... from`, dynamic import() and, inside dependencies,
 * require(). The walker is first shown to catch each of those on a fixture.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { importsElectron, walkImports } from './import-walker.ts';
import { tempDir } from '../helpers/tmp.ts';

const ROOT = resolve(import.meta.dirname, '../..');

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : /\.tsx?$/.test(name) ? [p] : [];
  });
}

describe('the import walker (fixture)', () => {
  const tmp = tempDir('kw-walk-');
  afterAll(() => tmp.cleanup());
  const write = (rel: string, text: string) => {
    const p = join(tmp.dir, rel);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, text);
  };
  write('entry.ts', "// import 'electron' in a comment does not count\nconst s = \"require('electron')\";\nimport { b } from './b';\nexport { b };\n");
  write('b.ts', "export * from './c.ts';\nexport const b = 1;\n");
  write('c.ts', "export const later = () => import('./d.js');\n");
  write('d.ts', "import type { App } from 'electron';\nexport type X = App;\n");
  write('pkg-entry.ts', "import 'fakepkg';\n");
  write('node_modules/fakepkg/package.json', JSON.stringify({ name: 'fakepkg', main: 'lib/index.js' }));
  write('node_modules/fakepkg/lib/index.js', "module.exports = require('./inner');\n");
  write('node_modules/fakepkg/lib/inner.js', "const { app } = require('electron/main');\nmodule.exports = app;\n");
  write('clean.ts', "import { readFileSync } from 'node:fs';\nimport './b2.ts';\n");
  write('b2.ts', "export const x = `import('electron')`;\n");
  write('computed.ts', "const name = 'electron';\nexport const m = () => import(name);\n");

  it('follows relative imports, export-from, dynamic import and type-only imports to electron', () => {
    const report = walkImports([join(tmp.dir, 'entry.ts')], { forbidden: importsElectron, root: tmp.dir });
    expect(report.findings).toEqual([{ chain: ['entry.ts', 'b.ts', 'c.ts', 'd.ts', 'electron'] }]);
  });

  it('follows a package into node_modules and its CommonJS requires', () => {
    const report = walkImports([join(tmp.dir, 'pkg-entry.ts')], { forbidden: importsElectron, root: tmp.dir });
    expect(report.findings).toEqual([
      { chain: ['pkg-entry.ts', 'node_modules/fakepkg/lib/index.js', 'node_modules/fakepkg/lib/inner.js', 'electron/main'] },
    ]);
  });

  it('does not count comments or strings, and reports computed imports it cannot follow', () => {
    expect(walkImports([join(tmp.dir, 'clean.ts')], { forbidden: importsElectron, root: tmp.dir }).findings).toEqual([]);
    expect(walkImports([join(tmp.dir, 'computed.ts')], { forbidden: importsElectron, root: tmp.dir }).computedImports).toEqual(['computed.ts']);
  });
});

describe('Keepwatch: no electron outside the desktop shell', () => {
  const entries = [
    'main/engine/engine.ts',
    'main/headless.ts',
    'main/serve.ts',
    'main/demo.ts',
    'preload/api.ts',
    // Every engine, server and contract file too, reachable or not yet.
    ...filesUnder(join(ROOT, 'main/engine')),
    ...filesUnder(join(ROOT, 'main/server')),
    ...filesUnder(join(ROOT, 'preload/contract')),
  ].map((p) => resolve(ROOT, p));

  const report = walkImports(entries, { forbidden: importsElectron, root: ROOT });

  it('reaches the whole engine and its dependencies', () => {
    expect(report.visited).toBeGreaterThan(100);
  });

  it('finds no import of electron (chains show how one was reached)', () => {
    expect(report.findings.map((f) => f.chain.join(' → '))).toEqual([]);
  });

  it('has no computed dynamic import that could hide one', () => {
    expect(report.computedImports).toEqual([]);
  });

  it('control: walking from the desktop shell does reach electron', () => {
    const shell = walkImports([resolve(ROOT, 'main/electron/main.ts')], { forbidden: importsElectron, root: ROOT });
    expect(shell.findings.map((f) => f.chain.join(' → '))).toContain('main/electron/main.ts → electron');
  });
});
