/**
 * manifest.json: what an export holds and the SHA-256 of every file, so anyone
 * can check later that nothing was altered (`npm run verify -- <folder>`).
 * The manifest cannot vouch for itself: its own SHA-256 is shown when the
 * export finishes (and by verify), to be written down or sent separately.
 */
import { z } from 'zod';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export const MANIFEST_NAME = 'manifest.json';
export const MANIFEST_FORMAT = 'keepwatch-export/1';

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'not a SHA-256 hex digest');

/** A plain file name inside the export folder: no folders, no dot-dot, not the manifest. */
export const ExportFileName = z
  .string()
  .min(1)
  .max(200)
  .refine((n) => /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(n) && !n.includes('..') && n !== MANIFEST_NAME, 'not a plain file name');

export const Manifest = z.object({
  format: z.literal(MANIFEST_FORMAT),
  keepwatchVersion: z.string(),
  export: z.object({
    id: z.number().int(),
    mode: z.enum(['copy', 'exact']),
    burnTimestamp: z.boolean(),
    createdAt: z.string(),
    createdAtMs: z.number().int(),
    finishedAtMs: z.number().int(),
  }),
  range: z.object({ from: z.number().int(), to: z.number().int(), fromUtc: z.string(), toUtc: z.string() }),
  cameras: z.array(
    z.object({
      id: z.number().int(),
      name: z.string(),
      files: z.array(ExportFileName),
      durationMs: z.number().int(),
      /** Real (UTC) time shown by each part of each file; gaps without footage are left out of the files. */
      pieces: z.array(
        z.object({
          file: ExportFileName,
          fileStartMs: z.number().int(),
          fileEndMs: z.number().int(),
          from: z.number().int(),
          to: z.number().int(),
          fromUtc: z.string(),
          toUtc: z.string(),
          segmentIds: z.array(z.number().int()),
        }),
      ),
      /**
       * The recorded segment files the export was cut from. `sha256` was taken
       * at `hashedAt`: soon after recording (kept by Keepwatch and used while
       * the file is unchanged) or by this export.
       */
      sourceSegments: z.array(
        z.object({
          id: z.number().int(),
          file: z.string(),
          start: z.number().int(),
          end: z.number().int(),
          bytes: z.number().int(),
          sha256: Sha256,
          hashedAt: z.number().int().optional(),
        }),
      ),
      note: z.string().nullable(),
    }),
  ),
  files: z.array(z.object({ name: ExportFileName, cameraId: z.number().int().nullable(), bytes: z.number().int(), sha256: Sha256 })),
});
export type Manifest = z.infer<typeof Manifest>;

export const iso = (ms: number) => new Date(ms).toISOString();

export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    const stream = createReadStream(path, { highWaterMark: 4 * 1024 * 1024 });
    stream.on('data', (chunk) => hash.update(chunk as Buffer));
    stream.on('error', reject);
    stream.on('end', () => resolve(hash.digest('hex')));
  });
}

export function sha256(buf: Buffer | string): string {
  return createHash('sha256').update(buf).digest('hex');
}
