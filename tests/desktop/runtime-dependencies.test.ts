/**
 * package.json says honestly what the shipped app needs: every package the
 * desktop app or `npm run serve` can load at run time is a dependency (an
 * installer built with `npm ci --omit=dev` semantics would otherwise lack it),
 * and packages only tests or the demo use are devDependencies: `onvif` (a
 * test oracle) and `fast-xml-parser` (only the simulated ONVIF device in
 * main/sim-onvif/; the demo's built command, out/cli/keepwatch.mjs, carries
 * it bundled by esbuild, so nothing loads it from node_modules at run time).
 */
import { describe, expect, it } from 'vitest';
import { builtinModules } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { specifiersOf } from './import-walker.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
const BUILTIN = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** The packages (by name) that the project's own files reachable from `entries` import. */
function packagesReachable(entries: string[]): Map<string, string> {
  const seen = new Set<string>();
  const packages = new Map<string, string>(); // name → first importer
  const queue = entries.map((e) => join(ROOT, e));
  while (queue.length) {
    const file = queue.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const spec of specifiersOf(file, readFileSync(file, 'utf8')).specifiers) {
      if (spec.startsWith('.')) {
        const base = resolve(dirname(file), spec.replace(/\?.*$/, ''));
        const target = [base, `${base}.ts`, `${base}.tsx`, join(base, 'index.ts')].find((p) => existsSync(p) && /\.tsx?$/.test(p));
        if (target) queue.push(target);
      } else if (!BUILTIN.has(spec)) {
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
        if (!packages.has(name)) packages.set(name, file.slice(ROOT.length + 1));
      }
    }
  }
  return packages;
}

describe('runtime dependencies', () => {
  const shipped = packagesReachable(['main/electron/main.ts', 'main/electron/engine-host.ts', 'main/serve.ts', 'main/headless.ts', 'main/verify.ts', 'preload/index.ts', 'renderer/src/main.tsx']);

  it('every package the shipped code imports is a dependency (electron itself is provided by the runtime)', () => {
    expect(shipped.size).toBeGreaterThan(3);
    const missing = [...shipped].filter(([name]) => name !== 'electron' && !(name in pkg.dependencies)).map(([name, by]) => `${name} (imported by ${by})`);
    expect(missing).toEqual([]);
  });

  it('the test oracle and the simulator\'s XML parser are devDependencies, and the shipped code never reaches them', () => {
    for (const name of ['onvif', 'fast-xml-parser']) {
      expect(pkg.devDependencies, name).toHaveProperty(name);
      expect(pkg.dependencies, name).not.toHaveProperty(name);
      expect(shipped.has(name), name).toBe(false);
    }
    // The demo does reach it, through the simulator: scripts/build-cli.mjs must bundle it (only natives stay external).
    expect(packagesReachable(['main/demo.ts']).has('fast-xml-parser')).toBe(true);
    const buildCli = readFileSync(join(ROOT, 'scripts/build-cli.mjs'), 'utf8');
    expect(/external:\s*\[([^\]]*)\]/.exec(buildCli)?.[1]).not.toMatch(/fast-xml-parser/);
  });
});
