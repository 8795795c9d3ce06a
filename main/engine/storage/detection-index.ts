/**
 * Detection in the index (schema/006_detection.sql): per-camera detection
 * configs, Keepwatch's own motion/object events (rows of `events` with origin
 * 'detection'), review items and their JPEGs, and the "events M days"
 * retention of each camera. Part of the storage module: the only SQL for
 * `detection_configs`, `review_items` and `review_events` is here, and the
 * only code that writes review JPEGs into the recordings folder.
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Db } from './database.ts';
import { FOLDER_MODE } from './disk.ts';
import type { SegmentFiles, ServedFile } from './segment-files.ts';
import type { EventRecord } from './onvif-index.ts';

export interface BoxJson {
  x: number;
  y: number;
  w: number;
  h: number;
}

export type EventOrigin = 'onvif' | 'detection';

/** An event row with every column (ONVIF and detection alike). */
export interface FullEventRecord extends EventRecord {
  origin: EventOrigin;
  label: string | null;
  score: number | null;
  box: BoxJson | null;
  zones: string[];
}

export interface EventFilter {
  cameraId: number | null;
  /** Only these cameras (a viewer's); null/omitted = no such limit. */
  cameraIds?: readonly number[] | null;
  from: number;
  to: number;
  limit: number;
  /** motion/object/tamper: that kind; onvif: every camera-reported event. */
  kind?: string;
  label?: string;
}

export interface ReviewRecord {
  id: number;
  cameraId: number;
  start: number;
  end: number | null;
  severity: 'alert' | 'detection';
  labels: string[];
  zones: string[];
  onvif: string[];
  reviewed: boolean;
  reviewedAt: number | null;
  thumbnail: string | null;
  thumbnailAt: number | null;
  thumbnailScore: number | null;
  eventIds: number[];
}

export interface ReviewFilter {
  from: number;
  to: number;
  cameraId?: number;
  /** Only these cameras (a viewer's); null/omitted = no such limit. */
  cameraIds?: readonly number[] | null;
  label?: string;
  zone?: string;
  severity?: 'alert' | 'detection';
  reviewed?: boolean;
  limit: number;
}

/** `camera_id IN (…)` for a list of integer ids (validated here, so they are inlined, not bound). */
function cameraIdsIn(ids: readonly number[]): string {
  if (!ids.every((id) => Number.isSafeInteger(id) && id > 0)) throw new Error('camera ids must be positive integers');
  return ids.length ? `camera_id IN (${ids.join(',')})` : '0';
}

const EVENT_COLUMNS = `id, camera_id AS cameraId, kind, start_ms AS start, end_ms AS "end", source, topic, origin, label, score, box, zones`;
const REVIEW_COLUMNS = `id, camera_id AS cameraId, start_ms AS start, end_ms AS "end", severity, labels, zones, onvif, reviewed,
  reviewed_at AS reviewedAt, thumbnail, thumbnail_at AS thumbnailAt, thumbnail_score AS thumbnailScore`;

/** Events and review items are short: look this far back for ones that began before a window. */
const LOOK_BACK_MS = 24 * 3600_000;

interface RawEvent extends Omit<FullEventRecord, 'box' | 'zones'> {
  box: string | null;
  zones: string;
}
interface RawReview extends Omit<ReviewRecord, 'labels' | 'zones' | 'onvif' | 'reviewed' | 'eventIds'> {
  labels: string;
  zones: string;
  onvif: string;
  reviewed: number;
}

function jsonOr<T>(text: string | null, fallback: T): T {
  if (text === null) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback; // a damaged cell costs only its own detail
  }
}

const toEvent = (r: RawEvent): FullEventRecord => ({ ...r, box: jsonOr<BoxJson | null>(r.box, null), zones: jsonOr<string[]>(r.zones, []) });

const round4 = (n: number) => Math.round(n * 10_000) / 10_000;
const boxText = (b: BoxJson | null) => (b ? JSON.stringify({ x: round4(b.x), y: round4(b.y), w: round4(b.w), h: round4(b.h) }) : null);

export class DetectionIndex {
  constructor(
    private readonly db: Db,
    private readonly now: () => number,
    /** The recordings folder's file API (Store.files). */
    private readonly files: SegmentFiles,
    /** Unlinks queued files (Store.collectGarbage). */
    private readonly collectGarbage: () => Promise<void>,
  ) {}

  // ---------------------------------------------------------------- configs

  /** The stored JSON config of a camera (unvalidated), or null when none was ever set. */
  getConfig(cameraId: number): unknown {
    const row = this.db.prepare('SELECT config FROM detection_configs WHERE camera_id = ?').get(cameraId) as { config: string } | undefined;
    return row ? jsonOr<unknown>(row.config, null) : null;
  }

  setConfig(cameraId: number, config: unknown): void {
    this.db
      .prepare(
        `INSERT INTO detection_configs (camera_id, config, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (camera_id) DO UPDATE SET config = excluded.config, updated_at = excluded.updated_at`,
      )
      .run(cameraId, JSON.stringify(config), this.now());
  }

  // ---------------------------------------------------------------- events

  insertEvent(e: { cameraId: number; kind: 'motion' | 'object'; start: number; source: string; label?: string | null; score?: number | null; box?: BoxJson | null; zones?: string[] }): number {
    const { lastInsertRowid } = this.db
      .prepare(
        `INSERT INTO events (camera_id, kind, start_ms, end_ms, source, topic, origin, label, score, box, zones)
         VALUES (?, ?, ?, NULL, ?, '', 'detection', ?, ?, ?, ?)`,
      )
      .run(e.cameraId, e.kind, Math.round(e.start), e.source, e.label ?? null, e.score ?? null, boxText(e.box ?? null), JSON.stringify(e.zones ?? []));
    return Number(lastInsertRowid);
  }

  /** A better sighting of a tracked object, or new zones it entered. */
  updateObjectEvent(id: number, u: { score: number; box: BoxJson; zones: string[] }): void {
    this.db.prepare('UPDATE events SET score = ?, box = ?, zones = ? WHERE id = ?').run(u.score, boxText(u.box), JSON.stringify(u.zones), id);
  }

  /** Ends one of our events (also when something else closed it earlier: our end is the true one). */
  endEvent(id: number, end: number): void {
    this.db.prepare("UPDATE events SET end_ms = MAX(start_ms, ?) WHERE id = ? AND origin = 'detection'").run(Math.round(end), id);
  }

  /** The object came back a moment after its track was lost: its event goes on. */
  reopenEvent(id: number): void {
    this.db.prepare("UPDATE events SET end_ms = NULL WHERE id = ? AND origin = 'detection'").run(id);
  }

  /** Detection events left open by a crash or a stop: closed at their start (the end is unknown). */
  closeDanglingEvents(cameraId: number): number {
    return this.db.prepare("UPDATE events SET end_ms = start_ms WHERE camera_id = ? AND origin = 'detection' AND end_ms IS NULL").run(cameraId).changes;
  }

  getEvent(id: number): FullEventRecord | null {
    const row = this.db.prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE id = ?`).get(id) as RawEvent | undefined;
    return row ? toEvent(row) : null;
  }

  /** ONVIF events with an id above `afterId`, oldest first (the review grouper follows them). */
  onvifEventsAfter(afterId: number, limit: number): FullEventRecord[] {
    return (this.db.prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE origin = 'onvif' AND id > ? ORDER BY id LIMIT ?`).all(afterId, limit) as RawEvent[]).map(toEvent);
  }

  lastEventId(): number {
    return (this.db.prepare('SELECT COALESCE(MAX(id), 0) AS n FROM events').get() as { n: number }).n;
  }

  /** How many ONVIF events of the camera are open now. */
  openOnvifEvents(cameraId: number): number {
    return (this.db.prepare("SELECT COUNT(*) AS n FROM events WHERE camera_id = ? AND origin = 'onvif' AND end_ms IS NULL").get(cameraId) as { n: number }).n;
  }

  /**
   * Events overlapping [from, to), oldest first; an open event counts as
   * lasting until now. Same window rules as OnvifIndex.queryEvents.
   */
  queryEvents(f: EventFilter): FullEventRecord[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (f.cameraId !== null) {
      where.push('camera_id = ?');
      args.push(f.cameraId);
    }
    if (f.cameraIds) where.push(cameraIdsIn(f.cameraIds));
    if (f.kind === 'onvif') where.push("origin = 'onvif'");
    else if (f.kind) {
      where.push('kind = ?');
      args.push(f.kind);
    }
    if (f.label) {
      where.push('label = ?');
      args.push(f.label);
    }
    const filter = where.length ? `${where.join(' AND ')} AND` : '';
    const recent = this.db
      .prepare(
        `SELECT ${EVENT_COLUMNS} FROM events
         WHERE ${filter} start_ms >= ? AND start_ms < ? AND COALESCE(end_ms, ?) >= ?
         ORDER BY start_ms, id LIMIT ?`,
      )
      .all(...args, f.from - LOOK_BACK_MS, f.to, this.now(), f.from, f.limit) as RawEvent[];
    const longOpen = this.db
      .prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE ${filter} end_ms IS NULL AND start_ms < ? ORDER BY start_ms, id LIMIT ?`)
      .all(...args, f.from - LOOK_BACK_MS, f.limit) as RawEvent[];
    return (longOpen.length ? [...longOpen, ...recent].slice(0, f.limit) : recent).map(toEvent);
  }

  // ---------------------------------------------------------------- review items

  insertReview(r: { cameraId: number; start: number; severity: 'alert' | 'detection'; labels: string[]; zones: string[]; onvif: string[] }): number {
    const { lastInsertRowid } = this.db
      .prepare('INSERT INTO review_items (camera_id, start_ms, end_ms, severity, labels, zones, onvif) VALUES (?, ?, NULL, ?, ?, ?, ?)')
      .run(r.cameraId, Math.round(r.start), r.severity, JSON.stringify(r.labels), JSON.stringify(r.zones), JSON.stringify(r.onvif));
    return Number(lastInsertRowid);
  }

  updateReview(id: number, r: { severity: 'alert' | 'detection'; labels: string[]; zones: string[]; onvif: string[] }): void {
    this.db
      .prepare('UPDATE review_items SET severity = ?, labels = ?, zones = ?, onvif = ? WHERE id = ?')
      .run(r.severity, JSON.stringify(r.labels), JSON.stringify(r.zones), JSON.stringify(r.onvif), id);
  }

  endReview(id: number, end: number): void {
    this.db.prepare('UPDATE review_items SET end_ms = MAX(start_ms, ?) WHERE id = ?').run(Math.round(end), id);
  }

  linkEvent(reviewId: number, eventId: number): void {
    this.db.prepare('INSERT OR IGNORE INTO review_events (review_id, event_id) SELECT ?, id FROM events WHERE id = ?').run(reviewId, eventId);
  }

  /** Review items left open by a crash: closed at their last event's end (or their start). */
  closeDanglingReviews(cameraId: number): number {
    return this.db
      .prepare(
        `UPDATE review_items SET end_ms = MAX(start_ms, COALESCE(
           (SELECT MAX(COALESCE(e.end_ms, e.start_ms)) FROM review_events re JOIN events e ON e.id = re.event_id WHERE re.review_id = review_items.id),
           start_ms))
         WHERE camera_id = ? AND end_ms IS NULL`,
      )
      .run(cameraId).changes;
  }

  getReview(id: number): ReviewRecord | null {
    const row = this.db.prepare(`SELECT ${REVIEW_COLUMNS} FROM review_items WHERE id = ?`).get(id) as RawReview | undefined;
    return row ? this.toReview(row) : null;
  }

  /** Items overlapping [from, to), newest first (the Review page reads from now backwards). */
  queryReview(f: ReviewFilter): ReviewRecord[] {
    const where = ['start_ms >= ?', 'start_ms < ?', 'COALESCE(end_ms, ?) >= ?'];
    const args: unknown[] = [f.from - LOOK_BACK_MS, f.to, this.now(), f.from];
    if (f.cameraId !== undefined) {
      where.push('camera_id = ?');
      args.push(f.cameraId);
    }
    if (f.cameraIds) where.push(cameraIdsIn(f.cameraIds));
    if (f.severity) {
      where.push('severity = ?');
      args.push(f.severity);
    }
    if (f.reviewed !== undefined) {
      where.push('reviewed = ?');
      args.push(f.reviewed ? 1 : 0);
    }
    if (f.label) {
      where.push('EXISTS (SELECT 1 FROM json_each(review_items.labels) WHERE value = ?)');
      args.push(f.label);
    }
    if (f.zone) {
      where.push('EXISTS (SELECT 1 FROM json_each(review_items.zones) WHERE value = ?)');
      args.push(f.zone);
    }
    const rows = this.db
      .prepare(`SELECT ${REVIEW_COLUMNS} FROM review_items WHERE ${where.join(' AND ')} ORDER BY start_ms DESC, id DESC LIMIT ?`)
      .all(...args, f.limit) as RawReview[];
    return rows.map((r) => this.toReview(r));
  }

  setReviewed(id: number, reviewed: boolean): boolean {
    return this.db.prepare('UPDATE review_items SET reviewed = ?, reviewed_at = ? WHERE id = ?').run(reviewed ? 1 : 0, reviewed ? this.now() : null, id).changes > 0;
  }

  /**
   * Stores a review item's JPEG: written to a .tmp name, fsynced, renamed,
   * and only then pointed at — in one synchronous step that checks the item
   * still exists (else the file is removed again). The previous JPEG goes to
   * `garbage` by trigger. Resolves to whether it was stored.
   */
  async saveReviewThumbnail(review: { id: number; cameraId: number }, jpeg: Buffer, at: number, score: number | null, seq: number): Promise<boolean> {
    const rel = `c${review.cameraId}/review/i${review.id}-${seq}.jpg`;
    // Gone meanwhile (camera removed, item pruned): write nothing, not even a folder.
    if (!this.db.prepare('SELECT 1 FROM review_items WHERE id = ? AND camera_id = ?').get(review.id, review.cameraId)) return false;
    await mkdir(dirname(this.files.absolute(rel)), { recursive: true, mode: FOLDER_MODE });
    await this.files.writeDurably(rel, jpeg);
    const stored =
      this.db
        .prepare('UPDATE review_items SET thumbnail = ?, thumbnail_at = ?, thumbnail_score = ? WHERE id = ? AND camera_id = ?')
        .run(rel, Math.round(at), score, review.id, review.cameraId).changes > 0;
    if (!stored) await this.files.unlink(rel).catch(() => undefined);
    this.unlinkQueued();
    return stored;
  }

  /**
   * Start-up: review JPEGs no row points at (a crash between writing one and
   * recording it, or a .tmp) are removed. Returns how many.
   */
  async sweepOrphanPictures(): Promise<number> {
    const known = new Set((this.db.prepare('SELECT thumbnail FROM review_items WHERE thumbnail IS NOT NULL').all() as { thumbnail: string }[]).map((r) => r.thumbnail));
    // Items made from now on are being written by this run: not ours to judge.
    const newest = (this.db.prepare("SELECT COALESCE(MAX(seq), 0) AS n FROM sqlite_sequence WHERE name = 'review_items'").get() as { n: number }).n;
    let removed = 0;
    for (const cam of await this.files.readdir('')) {
      if (!/^c\d+$/.test(cam)) continue;
      for (const name of await this.files.readdir(`${cam}/review`)) {
        const rel = `${cam}/review/${name}`;
        const m = /^i(\d+)-\d+\.jpg(\.tmp)?$/.exec(name);
        if (!m || Number(m[1]) > newest || known.has(rel)) continue;
        await this.files.unlink(rel).catch(() => undefined);
        removed++;
      }
    }
    return removed;
  }

  /** A review item's JPEG for serving (Range, ETag), or null when it has none. The name comes from the index, never from a client. */
  async reviewThumbnail(id: number): Promise<ServedFile | null> {
    const current = () => (this.db.prepare('SELECT thumbnail FROM review_items WHERE id = ?').get(id) as { thumbnail: string | null } | undefined)?.thumbnail ?? null;
    let rel = current();
    for (let attempt = 0; rel; attempt++) {
      try {
        return await this.files.served(rel, `review-${id}`, 'the review thumbnail');
      } catch (err) {
        // A better picture replaced this one meanwhile (its file is unlinked once
        // the row names the new one): serve the new one. Gone for real: say so.
        const now = current();
        if (attempt >= 2 || !now || now === rel) throw err;
        rel = now;
      }
    }
    return null;
  }

  /**
   * Drops a camera's closed review items that ended before `before` (their
   * footage is gone) and their JPEGs. Returns how many.
   */
  pruneReviews(cameraId: number, before: number): number {
    const n = this.db.prepare('DELETE FROM review_items WHERE camera_id = ? AND end_ms IS NOT NULL AND end_ms < ?').run(cameraId, before).changes;
    if (n) this.unlinkQueued();
    return n;
  }

  /** Unlinks queued files in the background; a failure (the store closing meanwhile) leaves them queued for next time. */
  private unlinkQueued(): void {
    this.collectGarbage().catch(() => undefined);
  }

  // ---------------------------------------------------------------- retention

  /** "Events M days" of a camera (ms), or null. */
  eventsMaxAgeMs(cameraId: number): number | null {
    const row = this.db.prepare('SELECT events_max_age_ms AS ms FROM cameras WHERE id = ?').get(cameraId) as { ms: number | null } | undefined;
    return row?.ms ?? null;
  }

  setEventsMaxAgeMs(cameraId: number, ms: number | null): void {
    this.db.prepare('UPDATE cameras SET events_max_age_ms = ? WHERE id = ?').run(ms === null ? null : Math.round(ms), cameraId);
  }

  /**
   * Moments of a camera's activity in [from, to): every event and review
   * item overlapping it, as [start, end] (an open one lasts until now),
   * sorted and merged. Retention keeps footage overlapping these longer.
   */
  activitySpans(cameraId: number, from: number, to: number): { start: number; end: number }[] {
    const now = this.now();
    const rows = this.db
      .prepare(
        `SELECT start_ms AS start, COALESCE(end_ms, ?) AS "end" FROM events
           WHERE camera_id = ? AND start_ms < ? AND COALESCE(end_ms, ?) >= ?
         UNION ALL
         SELECT start_ms, COALESCE(end_ms, ?) FROM review_items
           WHERE camera_id = ? AND start_ms < ? AND COALESCE(end_ms, ?) >= ?
         ORDER BY 1`,
      )
      .all(now, cameraId, to, now, from, now, cameraId, to, now, from) as { start: number; end: number }[];
    const merged: { start: number; end: number }[] = [];
    for (const r of rows) {
      const last = merged.at(-1);
      if (last && r.start <= last.end) last.end = Math.max(last.end, r.end);
      else merged.push({ start: r.start, end: r.end });
    }
    return merged;
  }

  private toReview(r: RawReview): ReviewRecord {
    const eventIds = (this.db.prepare('SELECT event_id AS id FROM review_events WHERE review_id = ? ORDER BY event_id').all(r.id) as { id: number }[]).map((e) => e.id);
    return {
      ...r,
      labels: jsonOr<string[]>(r.labels, []),
      zones: jsonOr<string[]>(r.zones, []),
      onvif: jsonOr<string[]>(r.onvif, []),
      reviewed: r.reviewed === 1,
      eventIds,
    };
  }
}
