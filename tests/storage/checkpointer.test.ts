/**
 * The index's WAL is checkpointed by a worker thread, never by the engine's
 * own (synchronous) connection: a checkpoint fsyncs the database file, which
 * on a slow disk would hold the event loop.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { ManualClock } from '../../main/engine/clock.ts';
import { Store, databaseOf } from '../../main/engine/storage/store.ts';
import { tempDir } from '../helpers/tmp.ts';
import { waitFor } from '../helpers/wait.ts';

const tmp = tempDir('kw-checkpoint-');
afterAll(() => tmp.cleanup());

describe('WAL checkpoints', () => {
  it('never run on the engine connection; the worker runs them, on the clock', async () => {
    const clock = new ManualClock(Date.UTC(2026, 11, 6));
    const file = join(tmp.dir, 'k.db');
    const store = Store.open({ databaseFile: file, recordingsRoot: join(tmp.dir, 'rec'), clock });
    expect(databaseOf(store).pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    // Enough writes to pass SQLite's default auto-checkpoint (1000 pages) several times over.
    const cam = store.insertCamera({ name: 'c', enabled: true, source: 'rtsp', credentials: null, maxAgeMs: null, streams: [{ kind: 'main', url: 'rtsp://camera.invalid/' }] });
    for (let i = 0; i < 3000; i++) store.setSetting(`k${i % 50}`, { i, pad: 'x'.repeat(2000) });
    const walBefore = statSync(`${file}-wal`).size;
    expect(walBefore).toBeGreaterThan(1000 * 4096); // nothing checkpointed it on the main thread
    const dbBefore = statSync(file).size;

    clock.advance(5000); // the periodic checkpoint, on the worker
    await waitFor(() => statSync(file).size > dbBefore, { timeoutMs: 10_000, intervalMs: 20, what: 'the worker to checkpoint the WAL into the database' });
    const r = await store.checkpoint();
    expect(r.checkpointed).toBe(r.walPages);
    expect(store.getCamera(cam)?.name).toBe('c');
    store.close();
  });
});
