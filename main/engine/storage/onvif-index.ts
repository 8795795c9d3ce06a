/**
 * ONVIF devices and camera events in the index (schema/003_onvif.sql). Part of
 * the storage module: the only SQL for `onvif_devices` and `events` is here.
 */
import type { Db } from './database.ts';

export interface OnvifProfileRecord {
  token: string;
  name: string;
  encoding: string;
  width: number;
  height: number;
  fps: number;
}

export interface OnvifDeviceRow {
  cameraId: number;
  xaddr: string;
  endpointRef: string | null;
  manufacturer: string;
  model: string;
  firmware: string;
  serial: string;
  hardwareId: string;
  mainProfile: string;
  subProfile: string | null;
  profiles: OnvifProfileRecord[];
  snapshotUri: string | null;
  ptzProfile: string | null;
  hasEvents: boolean;
  clockOffsetMs: number;
  acceptSelfSigned: boolean;
  updatedAt: number;
}

export type NewOnvifDevice = Omit<OnvifDeviceRow, 'updatedAt'>;

export interface EventRecord {
  id: number;
  cameraId: number;
  kind: string;
  start: number;
  end: number | null;
  source: string;
  topic: string;
}

const DEVICE_COLUMNS = `camera_id AS cameraId, xaddr, endpoint_ref AS endpointRef, manufacturer, model, firmware, serial,
  hardware_id AS hardwareId, main_profile AS mainProfile, sub_profile AS subProfile, profiles, snapshot_uri AS snapshotUri,
  ptz_profile AS ptzProfile, has_events AS hasEvents, clock_offset_ms AS clockOffsetMs,
  accept_self_signed AS acceptSelfSigned, updated_at AS updatedAt`;

const EVENT_COLUMNS = 'id, camera_id AS cameraId, kind, start_ms AS start, end_ms AS "end", source, topic';

interface RawDevice extends Omit<OnvifDeviceRow, 'profiles' | 'hasEvents' | 'acceptSelfSigned'> {
  profiles: string;
  hasEvents: number;
  acceptSelfSigned: number;
}

function toDevice(r: RawDevice): OnvifDeviceRow {
  let profiles: OnvifProfileRecord[] = [];
  try {
    const parsed = JSON.parse(r.profiles) as unknown;
    if (Array.isArray(parsed)) profiles = parsed as OnvifProfileRecord[];
  } catch {
    // A damaged list only costs the profile picker its choices.
  }
  return { ...r, profiles, hasEvents: r.hasEvents === 1, acceptSelfSigned: r.acceptSelfSigned === 1 };
}

export class OnvifIndex {
  private readonly eventWatchers = new Set<() => void>();

  constructor(
    private readonly db: Db,
    private readonly now: () => number,
  ) {}

  /**
   * Calls `fn` after every change to the event rows (a new event, an end), so
   * whoever follows them (the detection service) is told instead of asking
   * the database every second. Returns the function that stops it.
   */
  watchEvents(fn: () => void): () => void {
    this.eventWatchers.add(fn);
    return () => this.eventWatchers.delete(fn);
  }

  private eventsChanged(): void {
    for (const fn of [...this.eventWatchers]) fn();
  }

  // ---------------------------------------------------------------- devices

  /** Inserts or replaces the ONVIF facts of a camera. */
  saveDevice(d: NewOnvifDevice): void {
    this.db
      .prepare(
        `INSERT INTO onvif_devices (camera_id, xaddr, endpoint_ref, manufacturer, model, firmware, serial, hardware_id,
           main_profile, sub_profile, profiles, snapshot_uri, ptz_profile, has_events, clock_offset_ms, accept_self_signed, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (camera_id) DO UPDATE SET xaddr = excluded.xaddr, endpoint_ref = excluded.endpoint_ref,
           manufacturer = excluded.manufacturer, model = excluded.model, firmware = excluded.firmware, serial = excluded.serial,
           hardware_id = excluded.hardware_id, main_profile = excluded.main_profile, sub_profile = excluded.sub_profile,
           profiles = excluded.profiles, snapshot_uri = excluded.snapshot_uri, ptz_profile = excluded.ptz_profile,
           has_events = excluded.has_events, clock_offset_ms = excluded.clock_offset_ms,
           accept_self_signed = excluded.accept_self_signed, updated_at = excluded.updated_at`,
      )
      .run(
        d.cameraId, d.xaddr, d.endpointRef, d.manufacturer, d.model, d.firmware, d.serial, d.hardwareId,
        d.mainProfile, d.subProfile, JSON.stringify(d.profiles), d.snapshotUri, d.ptzProfile,
        d.hasEvents ? 1 : 0, Math.round(d.clockOffsetMs), d.acceptSelfSigned ? 1 : 0, this.now(),
      );
  }

  getDevice(cameraId: number): OnvifDeviceRow | null {
    const row = this.db.prepare(`SELECT ${DEVICE_COLUMNS} FROM onvif_devices WHERE camera_id = ?`).get(cameraId) as RawDevice | undefined;
    return row ? toDevice(row) : null;
  }

  listDevices(): OnvifDeviceRow[] {
    return (this.db.prepare(`SELECT ${DEVICE_COLUMNS} FROM onvif_devices ORDER BY camera_id`).all() as RawDevice[]).map(toDevice);
  }

  /** The chosen main/sub profile tokens changed (the streams table is updated by the caller, in the same transaction). */
  setProfiles(cameraId: number, mainProfile: string, subProfile: string | null, snapshotUri: string | null): void {
    this.db
      .prepare('UPDATE onvif_devices SET main_profile = ?, sub_profile = ?, snapshot_uri = ?, updated_at = ? WHERE camera_id = ?')
      .run(mainProfile, subProfile, snapshotUri, this.now(), cameraId);
  }

  setClockOffset(cameraId: number, clockOffsetMs: number): void {
    this.db.prepare('UPDATE onvif_devices SET clock_offset_ms = ? WHERE camera_id = ?').run(Math.round(clockOffsetMs), cameraId);
  }

  // ---------------------------------------------------------------- events

  /** The open event of a camera for this kind and source, if any. */
  openEvent(cameraId: number, kind: string, source: string): EventRecord | null {
    return (
      (this.db
        .prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE camera_id = ? AND kind = ? AND source = ? AND end_ms IS NULL ORDER BY start_ms DESC LIMIT 1`)
        .get(cameraId, kind, source) as EventRecord | undefined) ?? null
    );
  }

  openEvents(cameraId: number): EventRecord[] {
    return this.db.prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE camera_id = ? AND end_ms IS NULL ORDER BY start_ms`).all(cameraId) as EventRecord[];
  }

  insertEvent(e: { cameraId: number; kind: string; start: number; source: string; topic: string }): number {
    const { lastInsertRowid } = this.db
      .prepare('INSERT INTO events (camera_id, kind, start_ms, end_ms, source, topic) VALUES (?, ?, ?, NULL, ?, ?)')
      .run(e.cameraId, e.kind, Math.round(e.start), e.source, e.topic);
    this.eventsChanged();
    return Number(lastInsertRowid);
  }

  /** Closes an open event; an end before the start (clock trouble) is clamped to the start. */
  closeEvent(id: number, end: number): void {
    const { changes } = this.db.prepare('UPDATE events SET end_ms = MAX(start_ms, ?) WHERE id = ? AND end_ms IS NULL').run(Math.round(end), id);
    if (changes) this.eventsChanged();
  }

  /** Closes every open event of a camera at `end` (or at its own start when end is null: the end is unknown). */
  closeOpenEvents(cameraId: number, end: number | null): number {
    const result =
      end === null
        ? this.db.prepare('UPDATE events SET end_ms = start_ms WHERE camera_id = ? AND end_ms IS NULL').run(cameraId)
        : this.db.prepare('UPDATE events SET end_ms = MAX(start_ms, ?) WHERE camera_id = ? AND end_ms IS NULL').run(Math.round(end), cameraId);
    if (result.changes) this.eventsChanged();
    return result.changes;
  }

  /**
   * Events overlapping [from, to), oldest first; an open event counts as
   * lasting until now. `cameraId` null = every camera.
   */
  queryEvents(cameraId: number | null, from: number, to: number, limit: number): EventRecord[] {
    // start_ms is indexed; events are short, so look back a day for ones that
    // began before `from`, plus any still-open event however old it is.
    const lookBack = 24 * 3600_000;
    const camera = cameraId === null ? '' : 'camera_id = ? AND';
    const args = cameraId === null ? [] : [cameraId];
    const recent = this.db
      .prepare(
        `SELECT ${EVENT_COLUMNS} FROM events
         WHERE ${camera} start_ms >= ? AND start_ms < ? AND COALESCE(end_ms, ?) >= ?
         ORDER BY start_ms, id LIMIT ?`,
      )
      .all(...args, from - lookBack, to, this.now(), from, limit) as EventRecord[];
    const longOpen = this.db
      .prepare(`SELECT ${EVENT_COLUMNS} FROM events WHERE ${camera} end_ms IS NULL AND start_ms < ? ORDER BY start_ms, id LIMIT ?`)
      .all(...args, from - lookBack, limit) as EventRecord[];
    return longOpen.length ? [...longOpen, ...recent].slice(0, limit) : recent;
  }

  /** Drops a camera's events that ended before `before` (its footage there is gone). Returns how many. */
  pruneEvents(cameraId: number, before: number): number {
    return this.db.prepare('DELETE FROM events WHERE camera_id = ? AND end_ms IS NOT NULL AND end_ms < ?').run(cameraId, before).changes;
  }
}
