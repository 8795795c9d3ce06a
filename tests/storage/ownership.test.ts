/**
 * "Only storage touches SQLite or the recordings folder" (docs/architecture.md),
 * checked on the source instead of believed:
 *
 *  1. `better-sqlite3` is imported only under main/engine/storage/, and the
 *     database handle never leaves it: `databaseOf` (the tests' and
 *     benchmarks' handle) is used nowhere in production code.
 *  2. Inside the engine, the file system (`fs`, `node:fs`, `fs/promises`,
 *     `node:fs/promises`, imported, re-exported, `import()`ed or `require`d) is
 *     reached only by storage/ and by the files listed in FS_ALLOWED below, each
 *     for a reason that is not the recordings folder.
 *  3. No production code outside storage/ builds a path into the recordings
 *     folder (`absolutePath(`, `.recordingsRoot` joined into a path): recordings
 *     are reached through `store.files`, the segment-file API.
 *  4. The export module reads recordings only through the segment-file API:
 *     its own file access is its exports folder.
 *
 * The checks run on every .ts file under main/ and preload/, parsed with the
 * import walker's parser (comments and strings never count as imports).
 */
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { specifiersOf } from '../desktop/import-walker.ts';

const ROOT = join(import.meta.dirname, '..', '..');

/** Engine files that may use the file system, and why none of them is the recordings folder. */
const FS_ALLOWED: Record<string, string> = {
  'main/engine/engine.ts': 'creates the data folder itself at start-up',
  'main/engine/version.ts': "reads the app's own package.json",
  'main/engine/project-root.ts': "finds the app's own folder (its package.json)",
  'main/engine/secrets/secret-box.ts': 'the credentials key file',
  'main/engine/ingest/ffmpeg-locator.ts': 'finds the ffmpeg binary',
  'main/engine/ingest/process-runner.ts': 'checks that setpriv exists',
  'main/engine/ingest/recorder-processes.ts': "the list of this engine's recorder processes (recorders.json)",
  'main/engine/detection/objects/model.ts': 'reads the bundled detection model',
  'main/engine/export/export-service.ts': 'its exports folder (recordings come through store.files)',
  'main/engine/export/concat-writer.ts': 'writes an export file (sources come through store.files)',
  'main/engine/export/exact-encoder.ts': "ffmpeg's timestamp text files in the export's work folder",
  'main/engine/export/manifest.ts': 'hashes a finished export file',
  'main/engine/export/verify-export.ts': 'verifies an export folder',
  'main/engine/export/zip-stream.ts': 'streams export files into a zip',
};

const FS_MODULES = new Set(['fs', 'node:fs', 'fs/promises', 'node:fs/promises']);

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.tsx?$/.test(name)) out.push(path);
  }
  return out;
}

/** Source without comments and string contents, for identifier checks. */
function code(source: string): string {
  return source
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/(^|[^:])\/\/.*$/gm, '$1')
    .replace(/'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"/g, "''");
}

export interface Violation {
  file: string;
  rule: string;
}

/** The ownership rules over (path relative to the repository, source) pairs. */
export function ownershipViolations(files: { file: string; source: string }[]): Violation[] {
  const out: Violation[] = [];
  for (const { file, source } of files) {
    const inStorage = file.startsWith('main/engine/storage/');
    const inEngine = file.startsWith('main/engine/');
    const specs = specifiersOf(file, source).specifiers;
    const body = code(source);
    if (!inStorage && specs.some((s) => s === 'better-sqlite3')) out.push({ file, rule: 'imports better-sqlite3 outside storage/' });
    if (!inStorage && /\bdatabaseOf\b/.test(body)) out.push({ file, rule: 'takes the database handle (databaseOf) outside storage/' });
    if (!inStorage && /\.db\s*\.\s*(prepare|transaction|exec|pragma)\b/.test(body)) out.push({ file, rule: 'uses a database handle outside storage/' });
    if (inEngine && !inStorage && !(file in FS_ALLOWED) && specs.some((s) => FS_MODULES.has(s))) {
      out.push({ file, rule: 'uses the file system outside storage/ (not in FS_ALLOWED)' });
    }
    if (!inStorage && /\babsolutePath\s*\(/.test(body)) out.push({ file, rule: 'builds a path into the recordings folder outside storage/' });
    if (!inStorage && /\b(join|resolve)\s*\(\s*[\w.?]*recordingsRoot(\(\))?\s*,/.test(body)) out.push({ file, rule: 'joins a path onto the recordings folder outside storage/' });
    if (file.startsWith('main/engine/export/') && /\brecordingsRoot\b/.test(body)) out.push({ file, rule: 'export/ reaches the recordings folder directly' });
  }
  return out;
}

const production = ['main', 'preload'].flatMap((d) => sourceFiles(join(ROOT, d))).map((path) => ({
  file: relative(ROOT, path).split('\\').join('/'),
  source: readFileSync(path, 'utf8'),
}));

describe('storage owns the disk', () => {
  it('no production file breaks the ownership rules', () => {
    expect(production.length).toBeGreaterThan(100);
    expect(ownershipViolations(production)).toEqual([]);
  });

  it('every file allowed the file system exists and still needs it (the list cannot go stale)', () => {
    for (const file of Object.keys(FS_ALLOWED)) {
      const entry = production.find((p) => p.file === file);
      expect(entry, file).toBeDefined();
      expect(specifiersOf(file, entry!.source).specifiers.some((s) => FS_MODULES.has(s)), `${file} no longer uses fs: drop it from FS_ALLOWED`).toBe(true);
    }
  });

  it('storage is where SQLite and the recordings folder actually are', () => {
    const storage = production.filter((p) => p.file.startsWith('main/engine/storage/'));
    expect(storage.some((p) => specifiersOf(p.file, p.source).specifiers.includes('better-sqlite3'))).toBe(true);
    expect(storage.some((p) => specifiersOf(p.file, p.source).specifiers.includes('node:fs/promises'))).toBe(true);
  });

  it('catches each kind of violation (the rules can fail)', () => {
    const bad = [
      { file: 'main/engine/recording/x.ts', source: "import Database from 'better-sqlite3';" },
      { file: 'main/engine/recording/y.ts', source: "import { readSync } from 'node:fs';" },
      { file: 'main/engine/playback/z.ts', source: "const fs = require('fs');" },
      { file: 'main/engine/thumbnails/w.ts', source: "export { open } from 'node:fs/promises';" },
      { file: 'main/engine/live/v.ts', source: "const m = await import('fs');" },
      { file: 'main/engine/cameras/u.ts', source: 'store.db.transaction(() => 1)();' },
      { file: 'main/server/t.ts', source: "import { databaseOf } from '../engine/storage/store.ts'; databaseOf(s);" },
      { file: 'main/electron/s.ts', source: 'const p = store.absolutePath(row.file);' },
      { file: 'main/engine/export/r.ts', source: 'const p = join(store.recordingsRoot, row.file);' },
    ];
    const found = ownershipViolations(bad);
    expect(new Set(found.map((v) => v.file))).toEqual(new Set(bad.map((b) => b.file)));
    // Comments and strings are not code.
    expect(ownershipViolations([{ file: 'main/engine/live/ok.ts', source: "// import 'node:fs'\nconst s = 'store.db.prepare(x)';" }])).toEqual([]);
  });
});
