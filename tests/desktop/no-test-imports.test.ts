/**
 * Production code never imports the tests: every relative import in main/,
 * preload/ and renderer/src/ must resolve outside tests/. (The demo's ONVIF
 * devices once imported tests/sim/onvif; the simulator now lives in
 * main/sim-onvif/ and both use it.)
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { specifiersOf } from './import-walker.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const TESTS = join(ROOT, 'tests');

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sourcesUnder(p) : /\.(tsx?|mjs)$/.test(name) ? [p] : [];
  });
}

/** "importer → specifier" for every relative import of `files` that lands in tests/. */
function importsOfTests(files: string[]): string[] {
  return files.flatMap((file) =>
    specifiersOf(file, readFileSync(file, 'utf8'))
      .specifiers.filter((s) => s.startsWith('.'))
      .filter((s) => !relative(TESTS, resolve(dirname(file), s)).startsWith('..'))
      .map((s) => `${relative(ROOT, file)} → ${s}`),
  );
}

describe('production code does not import tests', () => {
  it('control: an import of tests/ is caught', () => {
    // This very file's folder is under tests/: a sibling import counts.
    expect(importsOfTests([join(TESTS, 'desktop/no-test-imports.test.ts')])).toEqual(['tests/desktop/no-test-imports.test.ts → ./import-walker.ts']);
  });

  it('main/, preload/ and renderer/src/ import nothing from tests/', () => {
    const files = ['main', 'preload', 'renderer/src'].flatMap((d) => sourcesUnder(join(ROOT, d)));
    expect(files.length).toBeGreaterThan(100);
    expect(importsOfTests(files)).toEqual([]);
  });
});
