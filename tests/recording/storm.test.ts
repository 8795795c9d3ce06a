/**
 * Issue 2, test 4 — the reconnect storm. 8 cameras drop at once and return at
 * once, three times. All resume within 15 s each time, and every indexed
 * segment's frames carry its own camera's colour: zero cross-wired segments.
 * (A cloud camera service once showed ~13,000 users strangers' footage because
 * a cache mixed up device and user IDs while devices reconnected at once.)
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startSimCameras, type SimCameraSet } from '../sim/cameras.ts';
import { fileSignature, nearestPalette } from '../sim/signature.ts';
import { startTestEngine, type TestEngine } from '../helpers/engine.ts';
import { sleep, waitFor } from '../helpers/wait.ts';

const N = 8;
let sims: SimCameraSet;
let t: TestEngine;

beforeAll(async () => {
  // Small, cheap streams: the point is the reconnect, not the resolution.
  sims = await startSimCameras(Array.from({ length: N }, (_, i) => ({ color: i, width: 320, height: 180, fps: 10 })));
  t = startTestEngine({ segmentSeconds: 2 });
}, 90_000);

afterAll(async () => {
  await t?.stop();
  await sims?.stopAll();
});

describe('reconnect storm', () => {
  it('resumes all 8 cameras within 15 s, three times, with zero cross-wired segments', async () => {
    // Cameras are added in a shuffled order so camera ids and ports/colours do not line up.
    const order = [3, 0, 6, 1, 7, 2, 5, 4];
    const expectedColour = new Map<number, number>();
    for (const i of order) {
      const c = await t.engine.cameras.add({ name: `storm ${i}`, mainUrl: sims.cameras[i].mainUrl });
      expectedColour.set(c.id, nearestPalette(sims.cameras[i].color).index);
    }
    const ids = [...expectedColour.keys()];
    const allRecording = () => ids.every((id) => t.engine.cameras.get(id).status.state === 'recording');
    await waitFor(allRecording, { timeoutMs: 30_000, what: 'all recording' });

    const resumeTimes: number[] = [];
    const runsOf = (id: number) => new Set(t.engine.store.querySegments(id, 0, Date.now() + 60_000).map((s) => s.runId)).size;
    for (let round = 0; round < 3; round++) {
      // Every camera has footage in this round's run before the drop.
      await waitFor(() => ids.every((id) => runsOf(id) === round + 1), { timeoutMs: 15_000, what: `a segment of run ${round + 1} per camera` });
      await sims.dropAll();
      await waitFor(() => ids.every((id) => t.engine.cameras.get(id).status.state === 'offline'), { timeoutMs: 15_000, what: `all offline (round ${round + 1})` });
      await sleep(2000 + round * 2000); // deepen the backoff a little more each round
      await sims.restoreAll();
      const back = Date.now();
      await waitFor(allRecording, { timeoutMs: 15_000, what: `all recording again (round ${round + 1})` });
      resumeTimes.push(Date.now() - back);
    }
    console.log(`storm test: all ${N} cameras resumed after ${resumeTimes.join(', ')} ms`);
    await waitFor(() => ids.every((id) => runsOf(id) === 4), { timeoutMs: 15_000, what: 'a segment of the last run per camera' });
    await t.engine.supervisor.stopAll();

    // Every segment of every camera shows that camera's colour in every sampled frame.
    let checked = 0;
    const crossWired: string[] = [];
    for (const id of ids) {
      const segs = t.engine.store.querySegments(id, 0, Date.now() + 60_000);
      expect(new Set(segs.map((s) => s.runId)).size, `camera ${id} runs`).toBe(4);
      for (const s of segs) {
        // 5 samples a second, so even a sub-second last segment of a run is checked.
        const sig = await fileSignature(t.engine.store.absolutePath(s.file), { fps: 5 });
        checked++;
        if (sig.indices.length === 0 || sig.indices.some((x) => x !== expectedColour.get(id))) {
          crossWired.push(`${s.file}: colours ${sig.indices.join(',')} expected ${expectedColour.get(id)}`);
        }
      }
    }
    console.log(`storm test: ${checked} segments checked, ${crossWired.length} cross-wired`);
    expect(crossWired).toEqual([]);
    expect(checked).toBeGreaterThan(N * 8);
  }, 240_000);
});
