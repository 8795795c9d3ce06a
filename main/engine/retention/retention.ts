/**
 * Retention: decides which footage goes, oldest first, so recording never
 * stops for lack of space.
 *
 *  1. Age: each camera's segments older than its max age.
 *  2. Space: while footage exceeds the global disk budget, or the recordings
 *     volume has less free space than the floor, the globally oldest segments.
 *     Each camera's newest segment always stays, and footage under a hold (a
 *     running export) is never touched.
 * Whatever goes before its camera's age limit is logged and counted
 * (early_deletions) so the UI can say so honestly.
 */
import type { Clock, TimerHandle } from '../clock.ts';
import type { Logger } from '../log.ts';
import type { Store, SegmentRow } from '../storage/store.ts';
import { ACTIVITY_MARGIN_MS, quietSegments } from './event-retention.ts';

export interface RetentionLimits {
  diskBudgetBytes: number | null;
  freeSpaceFloorBytes: number;
}

export interface RetentionReport {
  ageDeleted: number;
  spaceDeleted: number;
  earlyDeleted: number;
  bytesFreed: number;
  problem: string | null;
}

interface Hold {
  cameraId: number;
  from: number;
  to: number;
}

const BATCH = 200;
const DAY_MS = 24 * 3600 * 1000;

/** The audit log's shortest memory, whatever the footage (docs/users.md). */
export const AUDIT_MIN_DAYS = 90;

export class RetentionService {
  private readonly holds = new Map<number, Hold>();
  private nextHold = 1;
  private timer: TimerHandle | null = null;
  private pending: TimerHandle | null = null;
  private lastProblem: string | null = null;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly limits: () => RetentionLimits,
    /** The free-space reading; injected so tests can simulate a filling disk. */
    private readonly volume: () => { freeBytes: number; totalBytes: number } = () => store.volume(),
  ) {}

  get problem(): string | null {
    return this.lastProblem;
  }

  private stopped = false;

  start(intervalMs = 30_000): void {
    this.stopped = false;
    this.runOnce();
    const every = () => {
      this.timer = this.clock.setTimeout(() => {
        this.runOnce();
        if (!this.stopped) every();
      }, intervalMs);
    };
    every();
  }

  stop(): void {
    this.stopped = true;
    this.clock.clearTimeout(this.timer);
    this.clock.clearTimeout(this.pending);
    this.timer = this.pending = null;
  }

  /** Called after each new segment: runs soon, at most once per `delayMs`. */
  poke(delayMs = 250): void {
    if (this.pending || this.stopped) return;
    this.pending = this.clock.setTimeout(() => {
      this.pending = null;
      this.runOnce();
    }, delayMs);
  }

  /** Protects one camera's footage in [from, to) until the returned release is called. */
  hold(cameraId: number, from: number, to: number): () => void {
    const id = this.nextHold++;
    this.holds.set(id, { cameraId, from, to });
    return () => this.holds.delete(id);
  }

  private isHeld(s: SegmentRow): boolean {
    for (const h of this.holds.values()) if (h.cameraId === s.cameraId && s.start < h.to && s.end > h.from) return true;
    return false;
  }

  runOnce(): RetentionReport {
    const report: RetentionReport = { ageDeleted: 0, spaceDeleted: 0, earlyDeleted: 0, bytesFreed: 0, problem: null };
    try {
      this.byAge(report);
      this.bySpace(report);
      this.auditByAge();
    } catch (err) {
      report.problem = `retention failed: ${(err as Error).message}`;
      this.log.error(report.problem);
    }
    if (report.ageDeleted || report.spaceDeleted) void this.store.pruneEmptyFolders();
    this.lastProblem = report.problem;
    return report;
  }

  /**
   * The audit log is kept as long as the oldest footage it may speak of, and
   * never less than AUDIT_MIN_DAYS: who watched or exported a recording stays
   * known while the recording exists.
   */
  private auditByAge(): void {
    const now = this.clock.now();
    // Two index descents per camera (footage spans), not a scan of its segments: this runs every pass.
    const oldestFootage = Math.min(now, ...this.store.listCameras().map((c) => this.store.timeline.footageBounds(c.id)?.start ?? now));
    this.store.users.pruneAudit(Math.min(oldestFootage, now - AUDIT_MIN_DAYS * DAY_MS));
  }

  private byAge(report: RetentionReport): void {
    const now = this.clock.now();
    for (const camera of this.store.listCameras()) {
      if (camera.maxAgeMs === null) continue;
      // "Events M days": footage around events stays longer than the rest (event-retention.ts).
      const eventsMaxAgeMs = this.store.detection.eventsMaxAgeMs(camera.id);
      const keepsEventsLonger = eventsMaxAgeMs !== null && eventsMaxAgeMs > camera.maxAgeMs;
      if (keepsEventsLonger) this.ageOutQuietFootage(camera.id, now - eventsMaxAgeMs, now - camera.maxAgeMs, report);
      const cutoff = now - (keepsEventsLonger ? eventsMaxAgeMs : camera.maxAgeMs);
      for (;;) {
        const due = this.store.segmentsEndedBefore(camera.id, cutoff, BATCH).filter((s) => !this.isHeld(s));
        if (!due.length) break;
        report.bytesFreed += this.store.deleteSegments(due.map((s) => s.id));
        report.ageDeleted += due.length;
        if (due.length < BATCH) break;
      }
    }
  }

  private overBy(): { reason: 'budget' | 'free-space'; bytes: number } | null {
    const { diskBudgetBytes, freeSpaceFloorBytes } = this.limits();
    const used = this.store.totalBytes();
    if (diskBudgetBytes !== null && used > diskBudgetBytes) return { reason: 'budget', bytes: used - diskBudgetBytes };
    // Files of segments just deleted are unlinked asynchronously: count their space as free already.
    const freeBytes = this.volume().freeBytes + this.store.bytesBeingFreed();
    if (freeBytes < freeSpaceFloorBytes) return { reason: 'free-space', bytes: freeSpaceFloorBytes - freeBytes };
    return null;
  }

  private bySpace(report: RetentionReport): void {
    const now = this.clock.now();
    const cameras = new Map(this.store.listCameras().map((c) => [c.id, c]));
    const early = new Map<number, { segments: number; bytes: number; oldest: number; reason: 'budget' | 'free-space' }>();
    let over = this.overBy();
    while (over) {
      const newest = this.store.newestSegmentPerCamera();
      let need = over.bytes;
      const victims: SegmentRow[] = [];
      for (const s of this.store.oldestSegments(BATCH + this.holds.size * BATCH)) {
        if (newest.get(s.cameraId) === s.id || this.isHeld(s)) continue;
        victims.push(s);
        need -= s.bytes;
        // For the free-space floor, unlinking is what frees space: go in small steps.
        if (need <= 0) break;
      }
      if (!victims.length) {
        report.problem =
          over.reason === 'budget'
            ? 'The disk budget is smaller than the newest footage of every camera; raise the budget.'
            : 'The recordings disk is full and nothing more can be deleted; recording may fail. Free space or choose another folder.';
        break;
      }
      report.bytesFreed += this.store.deleteSegments(victims.map((s) => s.id));
      report.spaceDeleted += victims.length;
      for (const s of victims) {
        const cam = cameras.get(s.cameraId);
        if (!cam?.maxAgeMs || s.end <= now - cam.maxAgeMs) continue; // it was due anyway
        const e = early.get(s.cameraId) ?? { segments: 0, bytes: 0, oldest: s.start, reason: over.reason };
        e.segments++;
        e.bytes += s.bytes;
        e.oldest = Math.min(e.oldest, s.start);
        early.set(s.cameraId, e);
      }
      over = this.overBy();
    }
    for (const [cameraId, e] of early) {
      report.earlyDeleted += e.segments;
      this.store.recordEarlyDeletion({ cameraId, segments: e.segments, bytes: e.bytes, oldestMs: e.oldest, reason: e.reason });
      const cam = cameras.get(cameraId);
      this.log.warn(
        `retention: deleted ${e.segments} segment(s) (${(e.bytes / 1e6).toFixed(1)} MB) of camera ${cameraId} ` +
          `before its ${((cam?.maxAgeMs ?? 0) / DAY_MS).toFixed(1)}-day limit to respect the ${e.reason === 'budget' ? 'disk budget' : 'free-space floor'}`,
      );
    }
  }

  /** Per camera: up to where quiet footage has been aged out (later runs look only at what became due since). */
  private readonly quietSweptUntil = new Map<number, number>();

  /** Deletes a camera's footage in [from, to) (by end time) that overlaps no event or review item. */
  private ageOutQuietFootage(cameraId: number, from: number, to: number, report: RetentionReport): void {
    const start = Math.max(from, this.quietSweptUntil.get(cameraId) ?? from);
    if (start >= to) return;
    const candidates = this.store.querySegments(cameraId, start, to).filter((s) => s.end >= start && s.end <= to && !this.isHeld(s));
    const activity = this.store.detection.activitySpans(cameraId, start - ACTIVITY_MARGIN_MS - DAY_MS, to + ACTIVITY_MARGIN_MS);
    const due = quietSegments(candidates, activity);
    if (due.length) {
      report.bytesFreed += this.store.deleteSegments(due.map((s) => s.id));
      report.ageDeleted += due.length;
    }
    // Held segments are looked at again next time.
    const held = this.store.querySegments(cameraId, start, to).some((s) => s.end >= start && s.end <= to && this.isHeld(s));
    if (!held) this.quietSweptUntil.set(cameraId, to);
  }

  /**
   * The days-kept answer of a camera. With "events M days" longer than
   * "continuous N days": continuous footage reaches back at most N days
   * (`daysKept`), footage around events as far as the oldest kept
   * (`eventDaysKept`); otherwise eventDaysKept is null.
   */
  keptDays(cameraId: number, oldestStart: number | null, maxAgeMs: number | null): { daysKept: number; eventDaysKept: number | null } {
    const all = this.daysKept(oldestStart);
    const eventsMaxAgeMs = this.store.detection.eventsMaxAgeMs(cameraId);
    if (eventsMaxAgeMs === null || maxAgeMs === null || eventsMaxAgeMs <= maxAgeMs) return { daysKept: all, eventDaysKept: null };
    return { daysKept: Math.min(all, maxAgeMs / DAY_MS), eventDaysKept: all };
  }

  /** How many days of footage a camera keeps right now. */
  daysKept(oldestStart: number | null): number {
    if (oldestStart === null) return 0;
    return Math.max(0, (this.clock.now() - oldestStart) / DAY_MS);
  }
}
