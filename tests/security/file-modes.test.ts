/**
 * Issue 9, test 3: the data folder is private. Folders 0700, files 0600 —
 * the database and its WAL, the keys, recordings (written by ffmpeg), their
 * thumbnails and exports — and a folder left open by an older version is
 * tightened at start, down to its files.
 */
import { chmodSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startHeadless, type Headless } from '../../main/headless.ts';
import { tempDir } from '../helpers/tmp.ts';
import { FAST_RECORDER } from '../helpers/engine.ts';
import { waitFor } from '../helpers/wait.ts';

const tmp = tempDir('kw-modes-');
let app: Headless | null = null;

afterAll(async () => {
  await app?.stop();
  tmp.cleanup();
}, 30_000);

const mode = (path: string) => statSync(path).mode & 0o777;

/** Every file and folder below `root`, with its mode. */
function walk(root: string): { path: string; dir: boolean; mode: number }[] {
  const out: { path: string; dir: boolean; mode: number }[] = [];
  for (const name of readdirSync(root)) {
    const path = join(root, name);
    const st = statSync(path);
    out.push({ path, dir: st.isDirectory(), mode: st.mode & 0o777 });
    if (st.isDirectory()) out.push(...walk(path));
  }
  return out;
}

describe('the data folder is private', () => {
  it('creates everything 0700/0600, ffmpeg-written recordings and exports included, and tightens what an older version left open', async () => {
    if (process.platform === 'win32') return; // ACLs there, not modes
    const dataDir = join(tmp.dir, 'data');
    // What an older Keepwatch left: a world-readable folder tree with footage in it.
    const oldFolder = join(dataDir, 'exports', '1', 'notes');
    mkdirSync(oldFolder, { recursive: true, mode: 0o755 });
    for (const dir of [dataDir, join(dataDir, 'exports'), join(dataDir, 'exports', '1'), oldFolder]) chmodSync(dir, 0o755);
    const oldFile = join(oldFolder, 'old-export.txt');
    writeFileSync(oldFile, 'an export of an older version', { mode: 0o644 });
    chmodSync(oldFile, 0o644);

    app = await startHeadless({ dataDir, port: 0, staticDir: null, recorder: FAST_RECORDER, logSink: { write() {} }, thumbnails: { background: false } });
    app.engine.updateSettings({ segmentSeconds: 2, freeSpaceFloorBytes: 0 });
    // The top folders are private before anything else happens.
    expect(mode(dataDir)).toBe(0o700);
    expect(mode(join(dataDir, 'exports'))).toBe(0o700);

    const camera = await app.engine.cameras.addTestPattern('modes', 1);
    const segments = await waitFor(
      () => {
        const rows = app!.engine.store.querySegments(camera.id, 0, Date.now() + 60_000);
        return rows.length >= 2 ? rows : null;
      },
      { timeoutMs: 40_000, what: 'two recorded segments' },
    );
    // A thumbnail (written by ffmpeg) and an export (written by the engine).
    await app.engine.thumbnails.get(`${segments[0].id}-0`);
    const job = app.engine.exports.create({ cameras: [camera.id], from: segments[0].start, to: segments[1].end, mode: 'copy' });
    const done = await app.engine.exports.settled(job.id);
    expect(done.state).toBe('done');

    // The older version's leftovers are tightened in the background, down to the files.
    await waitFor(() => mode(oldFile) === 0o600, { timeoutMs: 10_000, what: 'the old file to be made private' });
    expect(mode(oldFolder)).toBe(0o700);

    const entries = walk(dataDir);
    const names = entries.map((e) => e.path.slice(dataDir.length + 1));
    // What must be there, so the check below is not vacuous.
    for (const expected of ['keepwatch.db', 'keepwatch.db-wal', 'secret.key', 'api-token', 'recordings', 'exports']) expect(names).toContain(expected);
    expect(names.some((n) => /^recordings\/c\d+\/.+\/r\d+-\d{6}\.mp4$/.test(n))).toBe(true);
    expect(names.some((n) => n.endsWith('.jpg'))).toBe(true);
    expect(names.some((n) => n.startsWith('exports/') && n.endsWith('.mp4'))).toBe(true);
    const open = entries.filter((e) => e.mode !== (e.dir ? 0o700 : 0o600)).map((e) => `${e.path} ${e.mode.toString(8)}`);
    expect(open).toEqual([]);
  }, 120_000);
});
