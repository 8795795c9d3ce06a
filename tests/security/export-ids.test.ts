/**
 * Export ids are never reused (issue 9): deleting the newest export and
 * restarting does not hand its id to the next export — a script or a browser
 * tab holding /api/exports/<id>/download can never get somebody else's export.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { startTestEngine, type TestEngine } from '../helpers/engine.ts';
import { tempDir } from '../helpers/tmp.ts';
import { waitFor } from '../helpers/wait.ts';

const tmp = tempDir('kw-export-ids-');
let current: TestEngine | null = null;

afterAll(async () => {
  await current?.stop();
  tmp.cleanup();
}, 30_000);

describe('export ids', () => {
  it('never names two exports, across deletes and restarts', async () => {
    current = startTestEngine({ dir: tmp.dir, thumbnails: { background: false }, backgroundHashing: false });
    const camera = await current.engine.cameras.addTestPattern('exports', 1);
    const [first] = await waitFor(() => {
      const rows = current!.engine.store.querySegments(camera.id, 0, Date.now() + 60_000);
      return rows.length >= 1 ? rows : null;
    }, { timeoutMs: 40_000, what: 'a segment' });
    const make = async () => {
      const job = current!.engine.exports.create({ cameras: [camera.id], from: first.start, to: first.end, mode: 'copy' });
      expect((await current!.engine.exports.settled(job.id)).state).toBe('done');
      return job.id;
    };
    const a = await make();
    await current.engine.exports.cancel(a); // deletes the finished export and its folder
    const b = await make();
    expect(b).toBeGreaterThan(a);
    await current.engine.exports.cancel(b);
    // Nothing of either is left on disk; a restart must still not hand out their ids.
    await current.engine.stop();
    current = startTestEngine({ dir: tmp.dir, thumbnails: { background: false }, backgroundHashing: false });
    const c = await make();
    expect(c).toBeGreaterThan(b);
  }, 90_000);
});
