import { describe, expect, it } from 'vitest';
import { Tracker } from '../../main/engine/detection/objects/tracker.ts';
import type { Box, Detection } from '../../main/engine/detection/types.ts';

const person = (box: Box, score = 0.8): Detection => ({ label: 'person', score, box });
const FPS = 5;
const STEP = 1000 / FPS;

describe('Tracker', () => {
  it('one person walking across the picture is one object with one id', () => {
    const t = new Tracker();
    const ids = new Set<number>();
    let started = 0;
    let ended = 0;
    // 6 s across the frame: 0.05 → 0.85, a 0.08-wide person moving 0.027 per frame.
    for (let i = 0; i < 30; i++) {
      const u = t.update([person({ x: 0.05 + (0.8 * i) / 30, y: 0.3, w: 0.08, h: 0.4 })], i * STEP);
      started += u.started.length;
      ended += u.ended.length;
      for (const o of u.objects) ids.add(o.id);
    }
    // They leave: 5 looks without them.
    for (let i = 30; i < 36; i++) ended += t.update([], i * STEP).ended.length;
    expect(ids.size).toBe(1);
    expect(started).toBe(1);
    expect(ended).toBe(1);
  });

  it('a fast walker (box moves more than its width between frames) keeps its id (nearness, then the predicted velocity)', () => {
    const t = new Tracker({ minHits: 1 });
    const ids = new Set<number>();
    for (let i = 0; i < 10; i++) for (const o of t.update([person({ x: 0.05 + 0.06 * i, y: 0.3, w: 0.05, h: 0.3 })], i * STEP).objects) ids.add(o.id);
    expect(ids.size).toBe(1);
  });

  it('two people crossing paths keep their own ids (the predicted velocity decides)', () => {
    const t = new Tracker({ minHits: 1 });
    let leftToRight = 0;
    let rightToLeft = 0;
    for (let i = 0; i < 20; i++) {
      const a = person({ x: 0.1 + 0.03 * i, y: 0.3, w: 0.08, h: 0.3 });
      const b = person({ x: 0.67 - 0.03 * i, y: 0.31, w: 0.08, h: 0.3 });
      const u = t.update([a, b], i * STEP);
      if (i === 0) [leftToRight, rightToLeft] = u.objects.map((o) => o.id);
      const byId = new Map(u.objects.map((o) => [o.id, o]));
      expect(byId.get(leftToRight)!.box.x).toBeCloseTo(a.box.x, 6);
      expect(byId.get(rightToLeft)!.box.x).toBeCloseTo(b.box.x, 6);
    }
  });

  it('a one-frame false positive never becomes an object', () => {
    const t = new Tracker({ minHits: 2 });
    const first = t.update([person({ x: 0.5, y: 0.5, w: 0.1, h: 0.2 })], 0);
    expect(first.started).toEqual([]);
    const next = t.update([], STEP);
    expect(next.started).toEqual([]);
    expect(next.ended).toEqual([]);
    expect(next.objects).toEqual([]);
  });

  it('two people side by side are two objects; labels never mix', () => {
    const t = new Tracker({ minHits: 1 });
    const u = t.update(
      [person({ x: 0.1, y: 0.3, w: 0.1, h: 0.3 }), person({ x: 0.6, y: 0.3, w: 0.1, h: 0.3 }), { label: 'dog', score: 0.7, box: { x: 0.1, y: 0.3, w: 0.1, h: 0.3 } }],
      0,
    );
    expect(u.objects.map((o) => o.id)).toHaveLength(3);
    expect(new Set(u.objects.map((o) => o.id)).size).toBe(3);
  });

  it('a parked car becomes stationary, is reported once, and does not die when nobody looks', () => {
    const t = new Tracker({ stationaryMs: 10_000 });
    const car: Detection = { label: 'car', score: 0.9, box: { x: 0.4, y: 0.5, w: 0.2, h: 0.15 } };
    let started = 0;
    let stationary = 0;
    for (let i = 0; i < 80; i++) {
      // Detector jitter of a few thousandths.
      const jitter = ((i % 3) - 1) * 0.003;
      const u = t.update([{ ...car, box: { ...car.box, x: car.box.x + jitter } }], i * STEP);
      started += u.started.length;
      stationary += u.stationary.length;
    }
    expect(started).toBe(1);
    expect(stationary).toBe(1);
    const [obj] = t.update([car], 80 * STEP).objects;
    expect(obj.stationary).toBe(true);
    // No motion near it: regions elsewhere only. It is not missed, so it lives on.
    const elsewhere: Box[] = [{ x: 0, y: 0, w: 0.2, h: 0.2 }];
    for (let i = 81; i < 200; i++) expect(t.update([], i * STEP, elsewhere).ended).toEqual([]);
    // Hours later, still the same parked car (no new start when it is next seen).
    expect(t.update([], 3_600_000, elsewhere).objects).toHaveLength(1);
    expect(t.update([car], 3_600_200).started).toEqual([]);
    // It drives away: looks at its place miss it, and it ends.
    let ended = 0;
    for (let i = 1; i <= 25; i++) ended += t.update([], 3_600_200 + i * STEP).ended.length;
    expect(ended).toBe(1);
  });

  it('objects expire after N missed looks; a stationary one after more', () => {
    const t = new Tracker({ maxMisses: 3, minHits: 1 });
    t.update([person({ x: 0.5, y: 0.5, w: 0.1, h: 0.2 })], 0);
    expect(t.update([], 1 * STEP).ended).toEqual([]);
    expect(t.update([], 2 * STEP).ended).toEqual([]);
    const u = t.update([], 3 * STEP);
    expect(u.ended).toHaveLength(1);
    expect(u.objects).toEqual([]);
  });

  it('an object nobody looks at still ends after maxUnseenMs', () => {
    const t = new Tracker({ minHits: 1, maxUnseenMs: 5_000 });
    t.update([person({ x: 0.5, y: 0.5, w: 0.1, h: 0.2 })], 0);
    const nowhere: Box[] = [];
    expect(t.update([], 4_000, nowhere).ended).toEqual([]);
    expect(t.update([], 6_000, nowhere).ended).toHaveLength(1);
  });

  it('ids are never reused', () => {
    const t = new Tracker({ minHits: 1, maxMisses: 1 });
    const a = t.update([person({ x: 0.1, y: 0.1, w: 0.1, h: 0.1 })], 0).started[0].id;
    t.update([], STEP);
    const b = t.update([person({ x: 0.1, y: 0.1, w: 0.1, h: 0.1 })], 2 * STEP).started[0].id;
    expect(b).not.toBe(a);
  });

  it('keeps the best score and the latest box', () => {
    const t = new Tracker({ minHits: 1 });
    t.update([person({ x: 0.1, y: 0.1, w: 0.1, h: 0.2 }, 0.9)], 0);
    const [o] = t.update([person({ x: 0.11, y: 0.1, w: 0.1, h: 0.2 }, 0.6)], STEP).objects;
    expect(o.score).toBe(0.9);
    expect(o.box.x).toBe(0.11);
    expect(o.firstSeen).toBe(0);
    expect(o.lastSeen).toBe(STEP);
  });
});
