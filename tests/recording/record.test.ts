/**
 * Issue 2, test 1: cameras record ~30 s with short segments: every segment is
 * indexed, each file plays (ffprobe duration within 1 s of the index), no
 * overlaps, and no gaps inside a run. One camera sends G.711 audio (recorded
 * as AAC), one sends H.265 (recorded as it is, never re-encoded).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startSimCameras, type SimCameraSet } from '../sim/cameras.ts';
import { fileSignature, nearestPalette } from '../sim/signature.ts';
import { startTestEngine, type TestEngine } from '../helpers/engine.ts';
import { probe, audioCodecOf } from '../helpers/media.ts';
import { waitFor } from '../helpers/wait.ts';
import type { SegmentRow } from '../../main/engine/storage/store.ts';

let sims: SimCameraSet;
let t: TestEngine;

beforeAll(async () => {
  sims = await startSimCameras([{ color: 0 }, { color: 2, audio: 'pcmu' }, { color: 9, codec: 'h265' }]);
  t = startTestEngine({ segmentSeconds: 3 });
}, 60_000);

afterAll(async () => {
  await t?.stop();
  await sims?.stopAll();
});

describe('continuous recording', () => {
  it('records three cameras into indexed, playable, contiguous segments', async () => {
    const ids: number[] = [];
    for (const [i, cam] of sims.cameras.entries()) {
      const c = await t.engine.cameras.add({ name: `cam ${i}`, mainUrl: cam.mainUrl });
      ids.push(c.id);
    }
    await waitFor(() => ids.every((id) => t.engine.cameras.get(id).status.state === 'recording'), { timeoutMs: 20_000, what: 'both cameras recording' });
    // About 30 s of footage: eight finished segments of ~3 s each.
    await waitFor(() => ids.every((id) => t.engine.store.querySegments(id, 0, Date.now() + 60_000).length >= 8), { timeoutMs: 60_000, intervalMs: 500, what: '8 segments per camera' });
    await t.engine.supervisor.stopAll(); // finishes and indexes the open segments

    for (const [i, id] of ids.entries()) {
      const segments: SegmentRow[] = t.engine.store.querySegments(id, 0, Date.now() + 60_000);
      expect(segments.length, `camera ${i} segments`).toBeGreaterThanOrEqual(8);
      // Every file on disk is indexed, and every row has its file.
      const onDisk = t.engine.store.listSegmentFilesOnDisk().filter((f) => f.startsWith(`c${id}/`));
      expect(new Set(onDisk)).toEqual(new Set(segments.map((s) => s.file)));

      for (const [k, s] of segments.entries()) {
        const p = await probe(t.engine.store.absolutePath(s.file));
        expect(Math.abs(p.duration * 1000 - (s.end - s.start)), `segment ${s.file} duration`).toBeLessThan(1000);
        expect(p.codec).toBe(i === 2 ? 'hevc' : 'h264');
        expect(p.frames).toBeGreaterThan(0);
        if (k > 0) {
          const prev = segments[k - 1];
          expect(s.start, 'no overlap').toBeGreaterThanOrEqual(prev.end);
          if (s.runId === prev.runId) expect(s.start - prev.end, 'no gap inside a run').toBe(0);
        }
      }
      // One run: nothing dropped, so nothing to explain.
      expect(new Set(segments.map((s) => s.runId)).size).toBe(1);
      // Segments are ~3 s (cut at the first keyframe after 3 s; the sim sends one per second).
      const inner = segments.slice(0, -1).map((s) => s.end - s.start);
      expect(Math.max(...inner)).toBeLessThan(4500);
      // The footage is this camera's, by colour.
      const sig = await fileSignature(t.engine.store.absolutePath(segments[1].file));
      const expected = nearestPalette(sims.cameras[i].color).index;
      expect(sig.indices.length).toBeGreaterThan(0);
      expect(sig.indices.every((x) => x === expected), `colours ${sig.indices} vs ${expected}`).toBe(true);
    }
    // The camera with G.711 audio was recorded with AAC audio (MP4 cannot hold G.711).
    const streams = t.engine.store.listStreams(ids[1]);
    expect(streams.find((s) => s.kind === 'main')?.audioCodec).toBe('pcm_mulaw');
    const withAudio = t.engine.store.querySegments(ids[1], 0, Date.now() + 60_000)[1];
    expect(await audioCodecOf(t.engine.store.absolutePath(withAudio.file))).toBe('aac');
    // The H.265 camera is indexed as such.
    expect(t.engine.store.listStreams(ids[2]).find((s) => s.kind === 'main')?.codec).toBe('h265');
  }, 120_000);
});
