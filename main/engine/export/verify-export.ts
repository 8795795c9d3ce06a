/**
 * Checks an export folder against its manifest.json: every listed file is
 * there, has its size and its SHA-256, and nothing else was added. Used by
 * `npm run verify -- <folder>` (main/verify.ts) and by the verifyExport
 * operation. Reads only the folder it is given; file names come from the
 * manifest and must be plain names (no folders, no dot-dot).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { VerifyReport } from '../../../preload/api.ts';
import { Manifest, MANIFEST_NAME, sha256, sha256File } from './manifest.ts';

export async function verifyExportFolder(dir: string): Promise<VerifyReport> {
  let raw: Buffer;
  try {
    raw = await readFile(join(dir, MANIFEST_NAME));
  } catch {
    return fail(null, null, [], `${MANIFEST_NAME} is missing: this is not a Keepwatch export folder (or the manifest was removed).`);
  }
  const manifestSha256 = sha256(raw);
  let manifest: Manifest;
  try {
    const parsed = Manifest.safeParse(JSON.parse(raw.toString('utf8')));
    if (!parsed.success) return fail(manifestSha256, null, [], `${MANIFEST_NAME} is not a valid Keepwatch manifest (${parsed.error.issues[0]?.message ?? 'unknown problem'}).`);
    manifest = parsed.data;
  } catch (err) {
    return fail(manifestSha256, null, [], `${MANIFEST_NAME} is not valid JSON: ${(err as Error).message}`);
  }

  const files: VerifyReport['files'] = [];
  for (const f of manifest.files) {
    const path = join(dir, f.name);
    let size: number;
    try {
      const st = await stat(path);
      if (!st.isFile()) throw new Error('not a file');
      size = st.size;
    } catch {
      files.push({ name: f.name, ok: false, expectedSha256: f.sha256, actualSha256: null, problem: 'missing' });
      continue;
    }
    const actual = await sha256File(path);
    const problems: string[] = [];
    if (size !== f.bytes) problems.push(`size is ${size} bytes, the manifest says ${f.bytes}`);
    if (actual !== f.sha256) problems.push('SHA-256 differs: the file was altered');
    files.push({ name: f.name, ok: problems.length === 0, expectedSha256: f.sha256, actualSha256: actual, problem: problems.join('; ') || null });
  }
  const listed = new Set(manifest.files.map((f) => f.name));
  for (const name of await readdir(dir)) {
    if (name === MANIFEST_NAME || listed.has(name)) continue;
    files.push({ name, ok: false, expectedSha256: null, actualSha256: null, problem: 'not listed in the manifest (added after the export)' });
  }
  const bad = files.filter((f) => !f.ok);
  const summary = bad.length
    ? `${bad.length} of ${files.length} file(s) do not match the manifest: ${bad.map((f) => `${f.name} (${f.problem})`).join('; ')}.`
    : `All ${files.length} file(s) match the manifest (Keepwatch ${manifest.keepwatchVersion}). Manifest SHA-256: ${manifestSha256}.`;
  return { ok: bad.length === 0 && files.length > 0, manifestSha256, keepwatchVersion: manifest.keepwatchVersion, files, summary };
}

function fail(manifestSha256: string | null, version: string | null, files: VerifyReport['files'], summary: string): VerifyReport {
  return { ok: false, manifestSha256, keepwatchVersion: version, files, summary };
}
