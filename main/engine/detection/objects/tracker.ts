/**
 * The tracker (pure): detections per frame → objects with stable ids.
 *
 *   const tracker = new Tracker({ minHits: 2, maxMisses: 5 });
 *   const { objects, started, ended, stationary } = tracker.update(detections, at, searched?);
 *
 * One person walking across the picture is one object with one id, not a
 * detection per frame: each object's box is predicted forward with its
 * velocity (a constant-velocity "Kalman-lite": the velocity is an exponential
 * average of its centre's motion), and detections of the same label are
 * matched to the predictions greedily by IoU, best first (a detection of
 * similar size within 1.5 box sizes matches too, below any IoU match: the
 * first step of a fast walker, before its velocity is known). An unmatched
 * detection starts a candidate; it becomes an object (and is reported in
 * `started`, once) after `minHits` matches, so a one-frame false positive
 * never becomes an event. An object unmatched for `maxMisses` looks ends
 * (`ended`).
 *
 * An object whose centre stays within `stationaryDistance` (fraction of its
 * box size) of where it settled for `stationaryMs` becomes stationary — a
 * parked car — and is reported once in `stationary`; it then ends only after
 * `stationaryMaxMisses` looks, and moving again clears the flag.
 *
 * `searched` (the regions the detector actually looked at): an object outside
 * all of them was not looked for, so it is not counted as missed — objects
 * not moving produce no motion and so no region. A moving object still ends
 * after `maxUnseenMs` without any detection; a stationary one stays until a
 * look at its place misses it `stationaryMaxMisses` times — so the service
 * should now and then (Frigate: every few seconds) add stationary objects'
 * boxes to buildRegions to re-check them; a car driving away makes motion
 * there anyway.
 */
import type { Box, Detection, ObjectLabel, TrackedObject } from '../types.ts';

export interface TrackerOptions {
  /** Minimum IoU between a prediction and a detection to match (default 0.2). */
  iouThreshold?: number;
  /** Matches needed before an object is reported (default 2). */
  minHits?: number;
  /** Consecutive looks without a match before a moving object ends (default 5). */
  maxMisses?: number;
  /** Same, for a stationary object (default 25). */
  stationaryMaxMisses?: number;
  /** A moving object not detected for this long ends whether looked for or not (default 60 s). */
  maxUnseenMs?: number;
  /** Same for a stationary object (default: never — a parked car stays until a look misses it). */
  stationaryMaxUnseenMs?: number;
  /** Time without moving before an object is stationary (default 10 s). */
  stationaryMs?: number;
  /** "Not moving": the centre stays within this fraction of the box's size (default 0.15). */
  stationaryDistance?: number;
}

export interface TrackerUpdate {
  /** Every reported (confirmed) object alive after this update. */
  objects: TrackedObject[];
  /** Objects confirmed in this update (report each once). */
  started: TrackedObject[];
  /** Objects that ended in this update (last state). */
  ended: TrackedObject[];
  /** Objects that became stationary in this update. */
  stationary: TrackedObject[];
}

/** What the tracker keeps of an object beyond what it reports. */
interface Track extends Omit<TrackedObject, 'zones'> {
  /** Centre velocity, frame fractions per ms. */
  vx: number;
  vy: number;
  hits: number;
  misses: number;
  confirmed: boolean;
  /** Where the object settled, and since when. */
  anchorX: number;
  anchorY: number;
  anchorAt: number;
}

const VELOCITY_SMOOTHING = 0.5;

function iou(a: Box, b: Box): number {
  const iw = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
  const ih = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  return inter / (a.w * a.h + b.w * b.h - inter);
}

/** Within this many box sizes, a detection of similar size may match a track it no longer overlaps. */
const MAX_JUMP = 1.5;

/**
 * How well a detection fits a track's predicted box: its IoU when that reaches the threshold; else,
 * for a box of similar size whose centre is near (a fast walker before its velocity is known),
 * a score below every IoU match that falls with the distance; else 0.
 */
function affinity(predicted: Box, d: Box, iouThreshold: number): number {
  const v = iou(predicted, d);
  if (v >= iouThreshold) return v;
  const size = Math.max(predicted.w, predicted.h);
  const ratio = (d.w * d.h) / (predicted.w * predicted.h);
  if (size <= 0 || ratio < 0.5 || ratio > 2) return 0;
  const dist = Math.hypot(d.x + d.w / 2 - (predicted.x + predicted.w / 2), d.y + d.h / 2 - (predicted.y + predicted.h / 2)) / size;
  return dist < MAX_JUMP ? iouThreshold * 0.99 * (1 - dist / MAX_JUMP) : 0;
}

const centreInside = (b: Box, r: Box) => {
  const cx = b.x + b.w / 2;
  const cy = b.y + b.h / 2;
  return cx >= r.x && cx <= r.x + r.w && cy >= r.y && cy <= r.y + r.h;
};

export class Tracker {
  private readonly tracks: Track[] = [];
  private nextId = 1;
  private readonly o: Required<TrackerOptions>;

  constructor(opts: TrackerOptions = {}) {
    this.o = {
      iouThreshold: opts.iouThreshold ?? 0.2,
      minHits: opts.minHits ?? 2,
      maxMisses: opts.maxMisses ?? 5,
      stationaryMaxMisses: opts.stationaryMaxMisses ?? 25,
      maxUnseenMs: opts.maxUnseenMs ?? 60_000,
      stationaryMaxUnseenMs: opts.stationaryMaxUnseenMs ?? Infinity,
      stationaryMs: opts.stationaryMs ?? 10_000,
      stationaryDistance: opts.stationaryDistance ?? 0.15,
    };
  }

  /** The box a track is expected at, at time `at`. */
  private predict(t: Track, at: number): Box {
    const dt = Math.max(0, at - t.lastSeen);
    return { ...t.box, x: t.box.x + t.vx * dt, y: t.box.y + t.vy * dt };
  }

  update(detections: readonly Detection[], at: number, searched?: readonly Box[]): TrackerUpdate {
    const started: TrackedObject[] = [];
    const ended: TrackedObject[] = [];
    const stationary: TrackedObject[] = [];
    const predicted = this.tracks.map((t) => this.predict(t, at));

    // Greedy matching, best IoU first, same label only.
    const pairs: { t: number; d: number; iou: number }[] = [];
    this.tracks.forEach((t, ti) =>
      detections.forEach((d, di) => {
        if (d.label !== t.label) return;
        const v = affinity(predicted[ti], d.box, this.o.iouThreshold);
        if (v > 0) pairs.push({ t: ti, d: di, iou: v });
      }),
    );
    pairs.sort((a, b) => b.iou - a.iou);
    const trackMatched = new Set<number>();
    const detMatched = new Set<number>();
    for (const p of pairs) {
      if (trackMatched.has(p.t) || detMatched.has(p.d)) continue;
      trackMatched.add(p.t);
      detMatched.add(p.d);
      const t = this.tracks[p.t];
      const d = detections[p.d];
      const dt = at - t.lastSeen;
      if (dt > 0) {
        const dx = d.box.x + d.box.w / 2 - (t.box.x + t.box.w / 2);
        const dy = d.box.y + d.box.h / 2 - (t.box.y + t.box.h / 2);
        t.vx = VELOCITY_SMOOTHING * (dx / dt) + (1 - VELOCITY_SMOOTHING) * t.vx;
        t.vy = VELOCITY_SMOOTHING * (dy / dt) + (1 - VELOCITY_SMOOTHING) * t.vy;
      }
      t.box = d.box;
      t.score = Math.max(t.score, d.score);
      t.lastSeen = at;
      t.hits++;
      t.misses = 0;
      this.updateStationary(t, at, stationary);
      if (!t.confirmed && t.hits >= this.o.minHits) {
        t.confirmed = true;
        started.push(this.view(t));
      }
    }

    // Unmatched tracks: missed only where the detector actually looked.
    for (let i = this.tracks.length - 1; i >= 0; i--) {
      if (trackMatched.has(i)) continue;
      const t = this.tracks[i];
      const lookedAt = !searched || searched.some((r) => centreInside(predicted[i], r));
      if (lookedAt) t.misses++;
      const limit = t.stationary ? this.o.stationaryMaxMisses : t.confirmed ? this.o.maxMisses : 1;
      const unseenLimit = t.stationary ? this.o.stationaryMaxUnseenMs : this.o.maxUnseenMs;
      if (t.misses >= limit || at - t.lastSeen > unseenLimit) {
        this.tracks.splice(i, 1);
        if (t.confirmed) ended.push(this.view(t));
      }
    }

    // Unmatched detections start candidates.
    detections.forEach((d, di) => {
      if (detMatched.has(di)) return;
      const c = { x: d.box.x + d.box.w / 2, y: d.box.y + d.box.h / 2 };
      const t: Track = {
        id: this.nextId++,
        label: d.label,
        score: d.score,
        box: d.box,
        firstSeen: at,
        lastSeen: at,
        vx: 0,
        vy: 0,
        hits: 1,
        misses: 0,
        confirmed: false,
        stationary: false,
        anchorX: c.x,
        anchorY: c.y,
        anchorAt: at,
      };
      this.tracks.push(t);
      if (this.o.minHits <= 1) {
        t.confirmed = true;
        started.push(this.view(t));
      }
    });

    return { objects: this.tracks.filter((t) => t.confirmed).map((t) => this.view(t)), started, ended, stationary };
  }

  /** Moves the anchor when the object moves; flags it stationary once it has stayed put long enough. */
  private updateStationary(t: Track, at: number, became: TrackedObject[]): void {
    const cx = t.box.x + t.box.w / 2;
    const cy = t.box.y + t.box.h / 2;
    const tolerance = this.o.stationaryDistance * Math.max(t.box.w, t.box.h);
    if (Math.hypot(cx - t.anchorX, cy - t.anchorY) > tolerance) {
      t.anchorX = cx;
      t.anchorY = cy;
      t.anchorAt = at;
      t.stationary = false;
      return;
    }
    if (!t.stationary && at - t.anchorAt >= this.o.stationaryMs) {
      t.stationary = true;
      t.vx = 0;
      t.vy = 0;
      if (t.confirmed) became.push(this.view(t));
    }
  }

  private view(t: Track): TrackedObject {
    return { id: t.id, label: t.label, score: t.score, box: { ...t.box }, firstSeen: t.firstSeen, lastSeen: t.lastSeen, stationary: t.stationary, zones: [] };
  }
}
