/**
 * The storage module: the only code that touches the SQLite index or the
 * recordings folder. Everything else asks it: rows through the Store's
 * methods (and `transaction()` for several writes that must land together),
 * files through `files` (the segment-file API, asynchronous: the event loop
 * never waits on the disk). The database handle never leaves this folder.
 */
import { mkdirSync, readdirSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase, statementCache, type Db } from './database.ts';
import type { Clock } from '../clock.ts';
import { FootageSpans } from './footage-spans.ts';
import { ThumbnailFiles } from './thumbnail-files.ts';
import { TimelineIndex } from './timeline-index.ts';
import { SegmentHashes } from './segment-hashes.ts';
import { OnvifIndex } from './onvif-index.ts';
import { DetectionIndex } from './detection-index.ts';
import { UsersIndex } from './users-index.ts';
import { nodeDisk, type Disk } from './disk.ts';
import { FOLDER_MODE } from './private-folder.ts';
import { SegmentFiles } from './segment-files.ts';
import { Checkpointer, type CheckpointResult } from './checkpointer.ts';
import { CAMERA_FOLDER, DAY_FOLDER, SEGMENT_FILE, runFolder, segmentName } from './segment-naming.ts';

export { parseSegmentFileName } from './segment-naming.ts';

export type CameraSource = 'rtsp' | 'onvif' | 'test-pattern';
export type StreamKind = 'main' | 'sub';

export interface CameraRow {
  id: number;
  name: string;
  enabled: boolean;
  source: CameraSource;
  credentials: Buffer | null;
  maxAgeMs: number | null;
  createdAt: number;
}

export interface StreamRow {
  id: number;
  cameraId: number;
  kind: StreamKind;
  url: string;
  codec: string | null;
  width: number | null;
  height: number | null;
  audioCodec: string | null;
}

export interface SegmentRow {
  id: number;
  cameraId: number;
  streamId: number;
  runId: number;
  seq: number;
  start: number;
  end: number;
  bytes: number;
  codec: string | null;
  width: number | null;
  height: number | null;
  file: string;
  recovered: boolean;
}

export type NewSegment = Omit<SegmentRow, 'id'>;

const SEGMENT_COLUMNS = `id, camera_id AS cameraId, stream_id AS streamId, run_id AS runId, seq,
  start_ms AS start, end_ms AS end, bytes, codec, width, height, file, recovered`;

interface RawSegment extends Omit<SegmentRow, 'recovered'> {
  recovered: number;
}
const toSegment = (r: RawSegment): SegmentRow => ({ ...r, recovered: r.recovered === 1 });

/**
 * The database handle, for tests and benchmarks that inspect or seed the index
 * with SQL. Production code never calls it (tests/storage/ownership.test.ts).
 */
export function databaseOf(store: Store): Db {
  return store['db'];
}

export class Store {
  readonly recordingsRoot: string;
  /** The segment-file API: every read and write of the recordings folder. */
  readonly files: SegmentFiles;
  private totalBytesCache: number;
  /** The hot single-row reads (camera, segment, streams) reuse their prepared statements. */
  private readonly cached: ReturnType<typeof statementCache>;
  /** Merged spans of footage per camera, kept in step with every segment insert and delete. */
  readonly footage: FootageSpans;
  /** Timeline lookups: spans, the segment at a moment, next/previous footage, events. */
  readonly timeline: TimelineIndex;
  /** Keyframe thumbnails beside their segments; deleted with them. */
  readonly thumbnails: ThumbnailFiles;
  /** SHA-256 of segment files, for export manifests. */
  readonly hashes: SegmentHashes;
  /** ONVIF devices of ONVIF cameras, and camera events (motion, tamper). */
  readonly onvif: OnvifIndex;
  /** Detection configs, detection events, review items and their JPEGs (schema/006_detection.sql). */
  readonly detection: DetectionIndex;
  /** Users, camera grants, sessions, API tokens and the audit log (schema/007_users.sql). */
  readonly users: UsersIndex;

  /** WAL checkpoints on a worker thread: the index's only fsync never runs on the event loop. */
  private readonly checkpointer: Checkpointer;

  private constructor(
    private readonly db: Db,
    databaseFile: string,
    recordingsRoot: string,
    private readonly clock: Clock,
    disk: Disk,
  ) {
    this.cached = statementCache(db);
    db.pragma('wal_autocheckpoint = 0');
    this.checkpointer = new Checkpointer(databaseFile, clock, () => {
      if (db.open) db.pragma('wal_autocheckpoint = 1000'); // no worker here: SQLite checkpoints by itself again
    });
    this.checkpointer.start();
    this.files = new SegmentFiles(recordingsRoot, disk);
    this.recordingsRoot = this.files.root;
    // Start-up, before anything is served: the one synchronous touch of the folder.
    mkdirSync(this.recordingsRoot, { recursive: true, mode: FOLDER_MODE });
    this.totalBytesCache = (db.prepare('SELECT COALESCE(SUM(bytes), 0) AS n FROM segments').get() as { n: number }).n;
    this.footage = new FootageSpans(db);
    this.timeline = new TimelineIndex(db, this.footage);
    this.thumbnails = new ThumbnailFiles(db, this.files);
    this.hashes = new SegmentHashes(db);
    this.onvif = new OnvifIndex(db, () => clock.now());
    this.detection = new DetectionIndex(db, () => clock.now(), this.files, () => this.collectGarbage());
    this.users = new UsersIndex(db);
  }

  /** `disk` defaults to the real one (node's asynchronous fs); tests inject a slow one. */
  static open(opts: { databaseFile: string; recordingsRoot: string; clock: Clock; disk?: Disk }): Store {
    return new Store(openDatabase(opts.databaseFile), opts.databaseFile, opts.recordingsRoot, opts.clock, opts.disk ?? nodeDisk());
  }

  close(): void {
    this.checkpointer.close();
    this.db.close();
  }

  /** Runs a WAL checkpoint now, on the checkpoint worker (tests; it also runs every few seconds). */
  checkpoint(): Promise<CheckpointResult> {
    return this.checkpointer.checkpoint();
  }

  /** Runs `fn` in one SQLite transaction: every Store write inside it lands together or not at all. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  // ---------------------------------------------------------------- cameras

  insertCamera(c: {
    name: string;
    enabled: boolean;
    source: CameraSource;
    credentials: Buffer | null;
    maxAgeMs: number | null;
    streams: { kind: StreamKind; url: string }[];
  }): number {
    return this.db.transaction(() => {
      const { lastInsertRowid } = this.db
        .prepare('INSERT INTO cameras (name, enabled, source, credentials, max_age_ms, created_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(c.name, c.enabled ? 1 : 0, c.source, c.credentials, c.maxAgeMs, this.clock.now());
      const id = Number(lastInsertRowid);
      for (const s of c.streams) this.db.prepare('INSERT INTO streams (camera_id, kind, url) VALUES (?, ?, ?)').run(id, s.kind, s.url);
      return id;
    })();
  }

  updateCamera(
    id: number,
    patch: Partial<Pick<CameraRow, 'name' | 'enabled' | 'source' | 'credentials' | 'maxAgeMs'>>,
  ): void {
    const columns: Record<string, string> = {
      name: 'name',
      enabled: 'enabled',
      source: 'source',
      credentials: 'credentials',
      maxAgeMs: 'max_age_ms',
    };
    const sets: string[] = [];
    const values: unknown[] = [];
    for (const [key, value] of Object.entries(patch)) {
      if (value === undefined || !(key in columns)) continue;
      sets.push(`${columns[key]} = ?`);
      values.push(typeof value === 'boolean' ? (value ? 1 : 0) : value);
    }
    if (sets.length) this.db.prepare(`UPDATE cameras SET ${sets.join(', ')} WHERE id = ?`).run(...values, id);
  }

  /** Sets a stream's URL, creating the stream, or removes it when url is null. A new URL forgets the old codec info. */
  setStreamUrl(cameraId: number, kind: StreamKind, url: string | null): void {
    if (url === null) {
      this.db.prepare('DELETE FROM streams WHERE camera_id = ? AND kind = ?').run(cameraId, kind);
      return;
    }
    this.db
      .prepare(
        `INSERT INTO streams (camera_id, kind, url) VALUES (?, ?, ?)
         ON CONFLICT (camera_id, kind) DO UPDATE SET url = excluded.url,
           codec = NULL, width = NULL, height = NULL, audio_codec = NULL
         WHERE streams.url <> excluded.url`,
      )
      .run(cameraId, kind, url);
  }

  getCamera(id: number): CameraRow | null {
    const row = this.cached(
      `SELECT id, name, enabled, source, credentials, max_age_ms AS maxAgeMs, created_at AS createdAt
         FROM cameras WHERE id = ?`,
    ).get(id) as (Omit<CameraRow, 'enabled'> & { enabled: number }) | undefined;
    return row ? { ...row, enabled: row.enabled === 1 } : null;
  }

  listCameras(): CameraRow[] {
    const rows = this.db
      .prepare(
        `SELECT id, name, enabled, source, credentials, max_age_ms AS maxAgeMs, created_at AS createdAt
         FROM cameras ORDER BY id`,
      )
      .all() as (Omit<CameraRow, 'enabled'> & { enabled: number })[];
    return rows.map((r) => ({ ...r, enabled: r.enabled === 1 }));
  }

  /**
   * Removes a camera with its streams, runs and segment rows; its files are
   * queued in `garbage` in the same transaction and unlinked afterwards.
   */
  deleteCamera(id: number): void {
    this.db.transaction(() => {
      const removed = this.db.prepare('SELECT COALESCE(SUM(bytes), 0) AS n FROM segments WHERE camera_id = ?').get(id) as {
        n: number;
      };
      this.db
        .prepare('INSERT OR IGNORE INTO garbage (file, queued_at) SELECT file, ? FROM segments WHERE camera_id = ?')
        .run(this.clock.now(), id);
      this.db
        .prepare('INSERT OR IGNORE INTO garbage (file, queued_at) SELECT t.file, ? FROM thumbnails t JOIN segments s ON s.id = t.segment_id WHERE s.camera_id = ?')
        .run(this.clock.now(), id);
      this.db.prepare('DELETE FROM cameras WHERE id = ?').run(id);
      this.totalBytesCache -= removed.n;
    })();
    void this.collectGarbage();
  }

  listStreams(cameraId: number): StreamRow[] {
    return this.cached(
      `SELECT id, camera_id AS cameraId, kind, url, codec, width, height, audio_codec AS audioCodec
         FROM streams WHERE camera_id = ? ORDER BY kind`,
    ).all(cameraId) as StreamRow[];
  }

  updateStreamInfo(streamId: number, info: { codec: string | null; width: number | null; height: number | null; audioCodec?: string | null }): void {
    this.db
      .prepare('UPDATE streams SET codec = ?, width = ?, height = ?, audio_codec = COALESCE(?, audio_codec) WHERE id = ?')
      .run(info.codec, info.width, info.height, info.audioCodec ?? null, streamId);
  }

  // ---------------------------------------------------------------- runs

  startRun(streamId: number): number {
    const { lastInsertRowid } = this.db
      .prepare('INSERT INTO runs (stream_id, started_at) VALUES (?, ?)')
      .run(streamId, this.clock.now());
    return Number(lastInsertRowid);
  }

  endRun(runId: number, reason: string): void {
    this.db.prepare('UPDATE runs SET ended_at = ?, end_reason = ? WHERE id = ? AND ended_at IS NULL').run(this.clock.now(), reason, runId);
  }

  runStream(runId: number): { streamId: number; cameraId: number } | null {
    return (
      (this.db
        .prepare('SELECT r.stream_id AS streamId, s.camera_id AS cameraId FROM runs r JOIN streams s ON s.id = r.stream_id WHERE r.id = ?')
        .get(runId) as { streamId: number; cameraId: number } | undefined) ?? null
    );
  }

  // ---------------------------------------------------------------- segment files

  /** Removes a run that never produced a segment (a failed connection attempt). */
  deleteRunIfEmpty(runId: number): void {
    this.db.prepare('DELETE FROM runs WHERE id = ? AND NOT EXISTS (SELECT 1 FROM segments WHERE run_id = ?)').run(runId, runId);
  }

  /** Start-up: runs the engine never ended (it died) end at their last segment. Returns how many. */
  closeOpenRuns(reason: string): number {
    return this.db
      .prepare('UPDATE runs SET ended_at = COALESCE((SELECT MAX(end_ms) FROM segments s WHERE s.run_id = runs.id), started_at), end_reason = ? WHERE ended_at IS NULL')
      .run(reason).changes;
  }

  /** Relative name of a run's segment, creating its folder synchronously: tests and benchmarks build footage with it. */
  newSegmentFile(cameraId: number, runId: number, seq: number, runStartedAt: number): string {
    const folder = runFolder(cameraId, runStartedAt);
    mkdirSync(this.absolutePath(folder), { recursive: true, mode: FOLDER_MODE });
    return `${folder}/${segmentName(runId, seq)}`;
  }

  /** Absolute path of a file name that came from the index (never from a client). */
  absolutePath(rel: string): string {
    return this.files.absolute(rel);
  }

  /** Start-up reconciliation: every segment file on disk, as relative names (other files are ignored). Synchronous: nothing is served yet. */
  listSegmentFilesOnDisk(): string[] {
    const out: string[] = [];
    for (const cam of safeReaddir(this.recordingsRoot)) {
      if (!CAMERA_FOLDER.test(cam)) continue;
      for (const day of safeReaddir(join(this.recordingsRoot, cam))) {
        if (!DAY_FOLDER.test(day)) continue;
        for (const f of safeReaddir(join(this.recordingsRoot, cam, day))) {
          const rel = `${cam}/${day}/${f}`;
          if (SEGMENT_FILE.test(rel)) out.push(rel);
        }
      }
    }
    return out;
  }

  /** Removes empty day folders (after retention) so the tree does not grow forever. */
  async pruneEmptyFolders(): Promise<void> {
    for (const cam of await this.files.readdir('')) {
      if (!CAMERA_FOLDER.test(cam)) continue;
      for (const day of await this.files.readdir(cam)) {
        if (!DAY_FOLDER.test(day)) continue;
        await this.files.removeEmptyFolder(`${cam}/${day}`);
      }
    }
  }

  private lastVolume: { freeBytes: number; totalBytes: number } | null = null;
  private volumeReading: Promise<void> | null = null;

  /**
   * Free and total space of the recordings volume as last read. Reading it
   * (statfs) can hang on a stalled disk, so it is refreshed in the background
   * on every call; only the very first reading, at start-up, is synchronous.
   */
  volume(): { freeBytes: number; totalBytes: number } {
    if (!this.lastVolume) {
      const s = statfsSync(this.recordingsRoot);
      this.lastVolume = { freeBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
    } else void this.refreshVolume();
    return this.lastVolume;
  }

  /** Reads the volume's free space again (asynchronously); resolves when the new reading is in. */
  refreshVolume(): Promise<void> {
    this.volumeReading ??= this.files
      .volume()
      .then((v) => void (this.lastVolume = v))
      .catch(() => undefined)
      .finally(() => (this.volumeReading = null));
    return this.volumeReading;
  }

  // ---------------------------------------------------------------- segments

  insertSegment(s: NewSegment): number {
    const { lastInsertRowid } = this.db.transaction(() => {
      const result = this.db
        .prepare(
          `INSERT INTO segments (camera_id, stream_id, run_id, seq, start_ms, end_ms, bytes, codec, width, height, file, recovered)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(s.cameraId, s.streamId, s.runId, s.seq, s.start, s.end, s.bytes, s.codec, s.width, s.height, s.file, s.recovered ? 1 : 0);
      this.footage.added(s.cameraId, s.start, s.end);
      return result;
    })();
    this.totalBytesCache += s.bytes;
    return Number(lastInsertRowid);
  }

  getSegment(id: number): SegmentRow | null {
    const row = this.cached(`SELECT ${SEGMENT_COLUMNS} FROM segments WHERE id = ?`).get(id) as RawSegment | undefined;
    return row ? toSegment(row) : null;
  }

  /** Segments of one camera overlapping [from, to), oldest first. */
  querySegments(cameraId: number, from: number, to: number): SegmentRow[] {
    // start_ms is indexed; a segment starting before `from` can still overlap
    // it, so look back by the longest segment (bounded, so the index is used).
    const lookBack = this.longestSegmentMs();
    return (
      this.db
        .prepare(
          `SELECT ${SEGMENT_COLUMNS} FROM segments
           WHERE camera_id = ? AND start_ms >= ? AND start_ms < ? AND end_ms > ?
           ORDER BY start_ms`,
        )
        .all(cameraId, from - lookBack, to, from) as RawSegment[]
    ).map(toSegment);
  }

  private longestCache: { at: number; value: number } | null = null;
  private longestSegmentMs(): number {
    const now = this.clock.now();
    if (!this.longestCache || now - this.longestCache.at > 60_000) {
      const row = this.db.prepare('SELECT COALESCE(MAX(end_ms - start_ms), 0) AS n FROM segments').get() as { n: number };
      this.longestCache = { at: now, value: Math.max(row.n, 15 * 60_000) };
    }
    return this.longestCache.value;
  }

  noteSegmentLength(ms: number): void {
    if (this.longestCache && ms > this.longestCache.value) this.longestCache.value = ms;
  }

  segmentByRunSeq(runId: number, seq: number): SegmentRow | null {
    const row = this.db
      .prepare(`SELECT ${SEGMENT_COLUMNS} FROM segments WHERE run_id = ? AND seq = ?`)
      .get(runId, seq) as RawSegment | undefined;
    return row ? toSegment(row) : null;
  }

  lastEndOfStream(streamId: number): number | null {
    const row = this.db.prepare('SELECT MAX(end_ms) AS n FROM segments WHERE stream_id = ?').get(streamId) as { n: number | null };
    return row.n;
  }

  cameraStorage(cameraId: number): { segments: number; bytes: number; oldestStart: number | null } {
    return this.db
      .prepare('SELECT COUNT(*) AS segments, COALESCE(SUM(bytes), 0) AS bytes, MIN(start_ms) AS oldestStart FROM segments WHERE camera_id = ?')
      .get(cameraId) as { segments: number; bytes: number; oldestStart: number | null };
  }

  totalBytes(): number {
    return this.totalBytesCache;
  }

  /** The oldest segments of all cameras (retention's budget order). */
  oldestSegments(limit: number): SegmentRow[] {
    return (this.db.prepare(`SELECT ${SEGMENT_COLUMNS} FROM segments ORDER BY start_ms LIMIT ?`).all(limit) as RawSegment[]).map(toSegment);
  }

  /** Segments of one camera that ended before `before` (retention's age order). */
  segmentsEndedBefore(cameraId: number, before: number, limit: number): SegmentRow[] {
    return (
      this.db
        .prepare(`SELECT ${SEGMENT_COLUMNS} FROM segments WHERE camera_id = ? AND start_ms < ? AND end_ms <= ? ORDER BY start_ms LIMIT ?`)
        .all(cameraId, before, before, limit) as RawSegment[]
    ).map(toSegment);
  }

  /** camera id → id of its newest segment (retention always keeps it). */
  newestSegmentPerCamera(): Map<number, number> {
    const rows = this.db
      .prepare(
        `SELECT c.camera_id AS cameraId,
           (SELECT id FROM segments s WHERE s.camera_id = c.camera_id ORDER BY start_ms DESC LIMIT 1) AS id
         FROM (SELECT id AS camera_id FROM cameras) c`,
      )
      .all() as { cameraId: number; id: number | null }[];
    return new Map(rows.filter((r) => r.id !== null).map((r) => [r.cameraId, r.id as number]));
  }

  /** Every indexed file name (start-up reconciliation). */
  indexedFiles(): Map<string, number> {
    const out = new Map<string, number>();
    for (const r of this.db.prepare('SELECT id, file FROM segments').iterate() as Iterable<{ id: number; file: string }>) {
      out.set(r.file, r.id);
    }
    return out;
  }

  /**
   * Deletes segment rows and queues their files for unlinking, atomically;
   * then unlinks. Returns the bytes freed.
   */
  deleteSegments(ids: number[]): number {
    if (!ids.length) return 0;
    const freed = this.db.transaction(() => {
      let bytes = 0;
      const get = this.db.prepare('SELECT file, bytes, camera_id AS cameraId, start_ms AS start, end_ms AS end FROM segments WHERE id = ?');
      const queue = this.db.prepare('INSERT OR IGNORE INTO garbage (file, queued_at) VALUES (?, ?)');
      const queueThumbnails = this.db.prepare('INSERT OR IGNORE INTO garbage (file, queued_at) SELECT file, ? FROM thumbnails WHERE segment_id = ?');
      const del = this.db.prepare('DELETE FROM segments WHERE id = ?');
      const now = this.clock.now();
      for (const id of ids) {
        const row = get.get(id) as { file: string; bytes: number; cameraId: number; start: number; end: number } | undefined;
        if (!row) continue;
        queue.run(row.file, now);
        queueThumbnails.run(now, id);
        del.run(id);
        this.footage.removed(row.cameraId, row.start, row.end);
        bytes += row.bytes;
      }
      return bytes;
    })();
    this.totalBytesCache -= freed;
    this.unlinkPendingBytes += freed;
    void this.collectGarbage();
    return freed;
  }

  /** Deletes index rows whose files vanished (no garbage entry needed: there is nothing to unlink). */
  forgetSegments(ids: number[]): void {
    const del = this.db.prepare('DELETE FROM segments WHERE id = ? RETURNING bytes, camera_id AS cameraId, start_ms AS start, end_ms AS end');
    // Thumbnails may still be on disk: queue them before the cascade drops their rows.
    const queueThumbnails = this.db.prepare('INSERT OR IGNORE INTO garbage (file, queued_at) SELECT file, ? FROM thumbnails WHERE segment_id = ?');
    this.db.transaction(() => {
      for (const id of ids) {
        queueThumbnails.run(this.clock.now(), id);
        const row = del.get(id) as { bytes: number; cameraId: number; start: number; end: number } | undefined;
        if (!row) continue;
        this.totalBytesCache -= row.bytes;
        this.footage.removed(row.cameraId, row.start, row.end);
      }
    })();
    void this.collectGarbage();
  }

  /** Queues a file that has no row (unplayable leftovers) for deletion. */
  discardFile(rel: string): void {
    this.db.prepare('INSERT OR IGNORE INTO garbage (file, queued_at) VALUES (?, ?)').run(rel, this.clock.now());
    void this.collectGarbage();
  }

  private collecting: Promise<void> | null = null;
  /** Bytes of deleted segments whose files are not unlinked yet (retention counts them as free already). */
  private unlinkPendingBytes = 0;
  private collectAgain = false;

  /**
   * Unlinks every queued file, then forgets it: asynchronously, one collection
   * at a time. Safe to call at any time; resolves when the queue has been
   * worked through (a file that could not be removed stays queued for next time).
   */
  collectGarbage(): Promise<void> {
    if (this.collecting) {
      this.collectAgain = true;
      return this.collecting;
    }
    this.collecting = (async () => {
      for (;;) {
        this.collectAgain = false;
        if (!this.db.open) return;
        const rows = this.db.prepare('SELECT file FROM garbage').all() as { file: string }[];
        for (const { file } of rows) {
          try {
            await this.files.unlink(file);
          } catch {
            continue; // retry next time
          }
          if (this.db.open) this.db.prepare('DELETE FROM garbage WHERE file = ?').run(file);
        }
        if (this.collectAgain) continue;
        // The space is free now; retention counts it as such once a volume reading shows it.
        await this.refreshVolume();
        if (!this.collectAgain) return;
      }
    })().finally(() => {
      this.collecting = null;
      this.unlinkPendingBytes = 0;
    });
    return this.collecting;
  }

  /** Space that deleted segments free once their queued unlinks are done. */
  bytesBeingFreed(): number {
    return this.unlinkPendingBytes;
  }

  /** Files queued for unlinking (start-up reconciliation must not take them for unindexed footage). */
  queuedGarbage(): Set<string> {
    return new Set((this.db.prepare('SELECT file FROM garbage').all() as { file: string }[]).map((r) => r.file));
  }

  // ---------------------------------------------------------------- settings

  getSetting<T>(key: string, fallback: T): T {
    const row = this.db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as T) : fallback;
  }

  setSetting(key: string, value: unknown): void {
    this.db
      .prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value')
      .run(key, JSON.stringify(value));
  }

  // ---------------------------------------------------------------- early deletions

  recordEarlyDeletion(e: { cameraId: number; segments: number; bytes: number; oldestMs: number; reason: 'budget' | 'free-space' }): void {
    this.db
      .prepare('INSERT INTO early_deletions (at_ms, camera_id, segments, bytes, oldest_ms, reason) VALUES (?, ?, ?, ?, ?, ?)')
      .run(this.clock.now(), e.cameraId, e.segments, e.bytes, e.oldestMs, e.reason);
  }

  /**
   * A new export id, never one handed out before (migration 5): at least
   * `atLeast`, so folders of exports made before ids were kept here are never
   * named again either.
   */
  allocateExportId(atLeast: number): number {
    return this.db.transaction(() => {
      this.db.prepare("INSERT INTO sqlite_sequence (name, seq) SELECT 'export_ids', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'export_ids')").run();
      this.db.prepare("UPDATE sqlite_sequence SET seq = MAX(seq, ?) WHERE name = 'export_ids'").run(atLeast - 1);
      return Number(this.db.prepare('INSERT INTO export_ids (created_at) VALUES (?)').run(this.clock.now()).lastInsertRowid);
    })();
  }

  earlyDeletionSummary(): { segments: number; bytes: number; lastAt: number | null } {
    return this.db
      .prepare('SELECT COALESCE(SUM(segments), 0) AS segments, COALESCE(SUM(bytes), 0) AS bytes, MAX(at_ms) AS lastAt FROM early_deletions')
      .get() as { segments: number; bytes: number; lastAt: number | null };
  }
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
