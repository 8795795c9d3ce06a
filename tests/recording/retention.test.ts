/**
 * Issue 2, test 5: with a small disk budget the oldest segments go, recording
 * continues and the newest footage stays; deletions before a camera's age
 * limit are reported. Also the age limit, the free-space floor and holds.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync } from 'node:fs';
import { startSimCameras, type SimCameraSet } from '../sim/cameras.ts';
import { startTestEngine, type TestEngine } from '../helpers/engine.ts';
import { sleep, waitFor } from '../helpers/wait.ts';
import { createHandlers, LOCAL_CLIENT } from '../../main/engine/handlers.ts';

let sims: SimCameraSet;
let t: TestEngine;

beforeAll(async () => {
  sims = await startSimCameras([{ color: 6 }, { color: 7 }]);
  t = startTestEngine({ segmentSeconds: 2 });
}, 60_000);

afterAll(async () => {
  await t?.stop();
  await sims?.stopAll();
});

describe('retention', () => {
  it('keeps within a small budget by deleting the oldest, and never stops recording', async () => {
    const a = await t.engine.cameras.add({ name: 'a', mainUrl: sims.cameras[0].mainUrl, retention: { maxAgeDays: 30 } });
    const b = await t.engine.cameras.add({ name: 'b', mainUrl: sims.cameras[1].mainUrl });
    const count = () => t.engine.store.querySegments(a.id, 0, Date.now() + 1e6).length + t.engine.store.querySegments(b.id, 0, Date.now() + 1e6).length;
    await waitFor(() => count() >= 12, { timeoutMs: 40_000, what: '12 segments' });

    const before = [a.id, b.id].flatMap((id) => t.engine.store.querySegments(id, 0, Date.now() + 1e6));
    const budget = Math.floor(t.engine.store.totalBytes() / 3);
    t.engine.updateSettings({ diskBudgetBytes: budget });
    const report = t.engine.retention.runOnce();
    expect(report.spaceDeleted).toBeGreaterThan(0);
    expect(t.engine.store.totalBytes()).toBeLessThanOrEqual(budget);

    // The oldest went (globally oldest first), their files are gone, the newest stayed.
    const after = new Set([a.id, b.id].flatMap((id) => t.engine.store.querySegments(id, 0, Date.now() + 1e6)).map((s) => s.id));
    const deleted = before.filter((s) => !after.has(s.id));
    const kept = before.filter((s) => after.has(s.id));
    expect(deleted.length).toBe(report.spaceDeleted);
    expect(Math.max(...deleted.map((s) => s.start))).toBeLessThanOrEqual(Math.min(...kept.map((s) => s.start)) + 2500);
    await t.engine.store.collectGarbage(); // unlinking is asynchronous
    for (const s of deleted) expect(existsSync(t.engine.store.absolutePath(s.file))).toBe(false);
    const newestOf = (id: number) => before.filter((s) => s.cameraId === id).at(-1)!;
    expect(after.has(newestOf(a.id).id)).toBe(true);
    expect(after.has(newestOf(b.id).id)).toBe(true);

    // Camera a has a 30-day limit, so its deletions were early and are reported.
    const status = await createHandlers(t.engine).getStatus(undefined, { caller: null, cameras: null, client: LOCAL_CLIENT });
    expect(status.storage.earlyDeletions.segments).toBe(deleted.filter((s) => s.cameraId === a.id).length);
    expect(t.logs.lines.some((l) => /before its 30\.0-day limit to respect the disk budget/.test(l))).toBe(true);

    // Recording continues under the budget: new segments keep arriving and old ones keep going.
    const newestId = Math.max(...before.map((s) => s.id));
    const latest = await waitFor(() => {
      const all = [a.id, b.id].flatMap((id) => t.engine.store.querySegments(id, 0, Date.now() + 1e6));
      return all.some((s) => s.id > newestId) ? all : null;
    }, { timeoutMs: 15_000, what: 'a new segment under the budget' });
    expect(latest.some((s) => s.id > newestId)).toBe(true);
    expect(t.engine.cameras.get(a.id).status.state).toBe('recording');
    t.engine.retention.runOnce();
    expect(t.engine.store.totalBytes()).toBeLessThanOrEqual(budget);
    expect(t.engine.cameras.get(a.id).storage.daysKept).toBeLessThan(0.01);
  }, 120_000);

  it('deletes by age, honours holds, and says so when nothing more can go', async () => {
    t.engine.updateSettings({ diskBudgetBytes: null });
    await t.engine.supervisor.stopAll();
    const cams = t.engine.cameras.list();
    const segs = t.engine.store.querySegments(cams[1].id, 0, Date.now() + 1e6);
    expect(segs.length).toBeGreaterThanOrEqual(3);
    // Hold the oldest two segments (an export running), then age everything out.
    const release = t.engine.retention.hold(cams[1].id, segs[0].start, segs[1].end);
    await t.engine.cameras.update({ id: cams[1].id, retention: { maxAgeDays: 1 / (24 * 3600 * 1000) } }); // 1 ms
    await waitFor(() => Date.now() > segs.at(-1)!.end + 1, { timeoutMs: 5000, intervalMs: 5, what: 'the footage to be older than 1 ms' });
    t.engine.retention.runOnce();
    const left = t.engine.store.querySegments(cams[1].id, 0, Date.now() + 1e6).map((s) => s.id);
    expect(left).toEqual([segs[0].id, segs[1].id]);
    release();
    t.engine.retention.runOnce();
    expect(t.engine.store.querySegments(cams[1].id, 0, Date.now() + 1e6)).toEqual([]);

    // A budget smaller than every camera's newest segment cannot be met: said plainly.
    t.engine.updateSettings({ diskBudgetBytes: 1 });
    const r = t.engine.retention.runOnce();
    expect(r.problem).toMatch(/disk budget is smaller/);
    expect(t.engine.store.querySegments(cams[0].id, 0, Date.now() + 1e6).length).toBe(1);
  }, 60_000);
});
