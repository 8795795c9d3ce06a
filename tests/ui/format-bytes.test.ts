/**
 * The one byte formatter (preload/format-bytes.ts): SI units everywhere, and
 * every place that shows a size uses it (no second copy that disagrees).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { GB, KB, MB, TB, formatBytes } from '../../preload/format-bytes.ts';
import * as rendererFormat from '../../renderer/src/forms/format.ts';

const ROOT = resolve(import.meta.dirname, '../..');

describe('formatBytes', () => {
  it('uses SI units', () => {
    expect([KB, MB, GB, TB]).toEqual([1e3, 1e6, 1e9, 1e12]);
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(-5)).toBe('0 B');
    expect(formatBytes(Number.NaN)).toBe('0 B');
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1000)).toBe('1 kB');
    expect(formatBytes(1024)).toBe('1.02 kB');
    expect(formatBytes(1_500_000)).toBe('1.5 MB');
    expect(formatBytes(340 * MB)).toBe('340 MB');
    expect(formatBytes(1.25 * GB)).toBe('1.25 GB');
    expect(formatBytes(12.5 * GB)).toBe('12.5 GB');
    expect(formatBytes(3.45 * TB)).toBe('3.45 TB');
  });

  it('never writes "1000 kB": a value that rounds up moves to the next unit', () => {
    expect(formatBytes(999_999)).toBe('1 MB');
    expect(formatBytes(999_400)).toBe('999 kB');
  });

  it('is what the renderer exports (same function, same GB)', () => {
    expect(rendererFormat.formatBytes).toBe(formatBytes);
    expect(rendererFormat.GB).toBe(GB);
  });

  it('has no second implementation in the sources', () => {
    const files = ['main', 'preload', 'renderer/src'].flatMap(function under(dir: string): string[] {
      return readdirSync(join(ROOT, dir)).flatMap((n) => (statSync(join(ROOT, dir, n)).isDirectory() ? under(join(dir, n)) : /\.tsx?$/.test(n) ? [join(dir, n)] : []));
    });
    const defining = files.filter((f) => /function formatBytes\b|formatBytes\s*=\s*\(/.test(readFileSync(join(ROOT, f), 'utf8')));
    expect(defining.map((f) => relative('.', f))).toEqual(['preload/format-bytes.ts']);
  });
});
