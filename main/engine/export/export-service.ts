/**
 * Export jobs: a time range of one or several cameras cut into MP4 files plus
 * a manifest.json of SHA-256 hashes.
 *
 *  - The footage under a job is held from retention from the moment the job is
 *    accepted until it ends (retention.hold per camera).
 *  - A job writes into exports/.tmp-<id>/ and renames it to exports/<id>/ only
 *    when everything is written, hashed and fsynced: a cancelled or failed
 *    job (or a crash) leaves no partial export; leftovers of a crash are
 *    removed at start-up.
 *  - Jobs run one at a time: exports are disk-bound, and recording comes first.
 *  - The recordings are read through the storage module (its segment-file
 *    API); this module touches only its own exports folder (0700, files 0600),
 *    asynchronously while a job runs.
 *  - Nothing here takes a path from a client. Finished exports are served by
 *    id (raw routes) or copied by the desktop main process into a folder the
 *    user picked in a save dialog (writeTo).
 */
import { createReadStream, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, statSync } from 'node:fs';
import { cp, mkdir, open, readdir, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ExportFile, ExportJob, ExportMode, VerifyReport } from '../../../preload/api.ts';
import type { Store } from '../storage/store.ts';
import type { RetentionService } from '../retention/retention.ts';
import type { SegmentIndexCache } from '../playback/recording-index.ts';
import type { Logger } from '../log.ts';
import type { Clock, TimerHandle } from '../clock.ts';
import { ApiFailure, conflict, notFound } from '../errors.ts';
import { isPathInside } from '../playback/media-path.ts';
import { etagOf, type ServedFile } from '../storage/segment-files.ts';
import { VERSION } from '../version.ts';
import { pickFragments, planOutputs, type OutputPlan, type SegmentPick } from './plan.ts';
import { ExportCancelled, writeConcatenated, type WriteResult } from './concat-writer.ts';
import { createHasher, type Hasher } from './hasher.ts';
import type { SourceHashes } from './source-hashes.ts';
import { encodeExact } from './exact-encoder.ts';
import { iso, Manifest, MANIFEST_FORMAT, MANIFEST_NAME, sha256, sha256File } from './manifest.ts';
import { verifyExportFolder } from './verify-export.ts';

export interface ExportDeps {
  store: Store;
  retention: RetentionService;
  indexes: SegmentIndexCache;
  ffmpegPath: string;
  log: Logger;
  clock: Clock;
  /** Where finished exports live (DATA/exports). */
  root: string;
  /** Stored SHA-256 of segment files (so sources are not hashed again). */
  sourceHashes: SourceHashes;
}

interface JobRecord {
  job: ExportJob;
  burnTimestamp: boolean;
  abort: AbortController;
  releases: (() => void)[];
  /** Settles when the job has ended and cleaned up after itself. */
  settled: Promise<void>;
  markSettled: () => void;
}

/** Room kept free beyond the export's estimated size. */
const FREE_MARGIN_BYTES = 64 * 1024 * 1024;
/** How long the hashing threads outlive a job, for the next one. */
const HASHER_IDLE_MS = 30_000;

export class ExportService {
  private readonly records = new Map<number, JobRecord>();
  private readonly queue: JobRecord[] = [];
  private running: JobRecord | null = null;
  private nextId = 1;
  private stopped = false;
  /** Idle hashing threads of the last job, and the timer that ends them. */
  private hasher: Hasher | null = null;
  private hasherIdle: TimerHandle | null = null;
  readonly root: string;

  constructor(private readonly deps: ExportDeps) {
    this.root = resolve(deps.root);
  }

  /** Removes what a crash left in the temp folders and loads the finished exports. */
  start(): void {
    mkdirSync(this.root, { recursive: true, mode: 0o700 });
    for (const name of readdirSync(this.root)) {
      const path = join(this.root, name);
      if (name.startsWith('.tmp-')) {
        rmSync(path, { recursive: true, force: true });
        this.deps.log.info(`exports: removed the unfinished export ${name} (interrupted)`);
        continue;
      }
      if (!/^\d+$/.test(name)) continue;
      const id = Number(name);
      this.nextId = Math.max(this.nextId, id + 1);
      const job = this.loadFinished(id);
      if (job) this.records.set(id, this.record(job, false));
    }
  }

  /** Cancels every job and waits until each has cleaned up. */
  async stop(): Promise<void> {
    this.stopped = true;
    const pending = [...this.records.values()].filter((r) => r.job.state === 'queued' || r.job.state === 'running');
    for (const r of pending) this.cancelRecord(r);
    await Promise.all(pending.map((r) => r.settled));
    this.closeHasher();
  }

  list(): ExportJob[] {
    return [...this.records.values()].map((r) => snapshot(r.job)).sort((a, b) => b.id - a.id);
  }

  get(id: number): ExportJob {
    return snapshot(this.find(id).job);
  }

  /** The cameras an export holds footage of, or null when there is no such export (the access check). */
  camerasOf(id: number): readonly number[] | null {
    return this.records.get(id)?.job.cameras ?? null;
  }

  create(input: { cameras: number[]; from: number; to: number; mode: ExportMode; burnTimestamp?: boolean }): ExportJob {
    if (this.stopped) throw new ApiFailure('unavailable', 'Keepwatch is shutting down');
    const { store } = this.deps;
    const unknown = input.cameras.filter((id) => !store.getCamera(id));
    if (unknown.length) throw notFound(`no camera with id ${unknown.join(', ')}`);
    // Hold first, then look: retention cannot take footage between the two.
    const releases = input.cameras.map((c) => this.deps.retention.hold(c, input.from, input.to));
    try {
      const withFootage = input.cameras.filter((c) => store.timeline.footageSpans(c, input.from, input.to).length > 0);
      if (!withFootage.length) {
        throw notFound(
          `there is no recorded footage of camera${input.cameras.length > 1 ? 's' : ''} ${input.cameras.join(', ')} ` +
            `between ${iso(input.from)} and ${iso(input.to)}`,
        );
      }
      let estimate = 0;
      for (const c of withFootage) for (const s of store.querySegments(c, input.from, input.to)) estimate += s.bytes;
      const { freeBytes } = store.volume();
      if (freeBytes < estimate + FREE_MARGIN_BYTES) {
        throw new ApiFailure(
          'unavailable',
          `not enough free disk space for this export: it needs about ${mb(estimate)} MB, ${mb(freeBytes)} MB are free`,
        );
      }
    } catch (err) {
      for (const release of releases) release();
      throw err;
    }
    // Ids come from the index, so a deleted export's id never names another one.
    const id = store.allocateExportId(this.nextId);
    this.nextId = id + 1;
    const job: ExportJob = {
      id,
      state: 'queued',
      mode: input.mode,
      cameras: [...input.cameras],
      from: input.from,
      to: input.to,
      createdAt: this.deps.clock.now(),
      finishedAt: null,
      progress: 0,
      stage: 'waiting for the previous export',
      error: null,
      files: [],
      manifestSha256: null,
      camerasWithoutFootage: [],
      durations: [],
    };
    const record = this.record(job, true, input.burnTimestamp ?? input.mode === 'exact');
    record.releases = releases;
    this.records.set(id, record);
    this.queue.push(record);
    this.pump();
    return snapshot(job);
  }

  /** Cancels a queued or running job (waits until its files are gone), or deletes a finished one. */
  async cancel(id: number): Promise<ExportJob> {
    const record = this.find(id);
    const { job } = record;
    if (job.state === 'queued' || job.state === 'running') {
      this.cancelRecord(record);
      await record.settled;
      return snapshot(job);
    }
    if (job.state === 'done') await rm(this.folder(id), { recursive: true, force: true });
    this.records.delete(id);
    return { ...snapshot(job), state: 'deleted' };
  }

  async verify(id: number): Promise<VerifyReport> {
    const record = this.find(id);
    if (record.job.state !== 'done') throw conflict(`export ${id} is ${record.job.state}; only a finished export can be verified`);
    return verifyExportFolder(this.folder(id));
  }

  /** A finished export's files, for the download routes: manifest.json last. */
  files(id: number): (ServedFile & { name: string; path: string; mtimeMs: number })[] {
    const record = this.find(id);
    if (record.job.state !== 'done') throw conflict(`export ${id} is ${record.job.state}; it can be downloaded once it is done`);
    const dir = this.folder(id);
    return record.job.files.map((f) => {
      let path: string;
      try {
        path = realpathSync(join(dir, f.name));
        if (!isPathInside(path, realpathSync(dir))) throw new Error('outside');
      } catch {
        throw notFound(`file ${f.name} of export ${id} is gone`);
      }
      const st = statSync(path);
      return { name: f.name, path, size: st.size, mtimeMs: st.mtimeMs, etag: etagOf(st, `e${id}`), body: (start: number, end: number) => createReadStream(path, { start, end }) };
    });
  }

  /** The name a finished export gets outside Keepwatch: keepwatch-export-<id>-<UTC start>. */
  exportName(id: number): string {
    const job = this.find(id).job;
    const stamp = new Date(job.from).toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
    return `keepwatch-export-${id}-${stamp}Z`;
  }

  /**
   * Desktop: copies a finished export into `parentDir` (a folder the user chose
   * in the main process's save dialog, never a path from the renderer) as
   * <parentDir>/<exportName>/, via a temp name and a rename, then verifies the
   * copy. Returns the new folder.
   */
  async writeTo(id: number, parentDir: string): Promise<{ folder: string; report: VerifyReport }> {
    this.files(id); // must be done
    const target = join(resolve(parentDir), this.exportName(id));
    if (await stat(target).then(() => true, () => false)) throw conflict(`${target} already exists`);
    const tmp = `${target}.partial`;
    await rm(tmp, { recursive: true, force: true });
    try {
      await cp(this.folder(id), tmp, { recursive: true, errorOnExist: true });
      for (const name of await readdir(tmp)) await syncPath(join(tmp, name));
      await rename(tmp, target);
      await syncPath(resolve(parentDir));
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      throw err;
    }
    return { folder: target, report: await verifyExportFolder(target) };
  }

  /** Waits for a job to end (tests, the desktop shell). */
  async settled(id: number): Promise<ExportJob> {
    const record = this.find(id);
    await record.settled;
    return snapshot(record.job);
  }

  // ------------------------------------------------------------------ running

  private folder(id: number): string {
    return join(this.root, String(id));
  }

  private find(id: number): JobRecord {
    const record = this.records.get(id);
    if (!record) throw notFound(`no export with id ${id}`);
    return record;
  }

  private record(job: ExportJob, live: boolean, burnTimestamp = false): JobRecord {
    let markSettled!: () => void;
    const settled = live ? new Promise<void>((r) => (markSettled = r)) : Promise.resolve();
    return { job, burnTimestamp, abort: new AbortController(), releases: [], settled, markSettled: markSettled ?? (() => undefined) };
  }

  private cancelRecord(record: JobRecord): void {
    if (record.job.state === 'queued') {
      const i = this.queue.indexOf(record);
      if (i >= 0) this.queue.splice(i, 1);
      this.finish(record, 'cancelled', null);
    } else if (record.job.state === 'running') {
      record.abort.abort();
    }
  }

  private pump(): void {
    if (this.running || this.stopped) return;
    const record = this.queue.shift();
    if (!record) return;
    this.running = record;
    record.job.state = 'running';
    record.job.stage = 'starting';
    void this.run(record).finally(() => {
      this.running = null;
      this.pump();
    });
  }

  private async run(record: JobRecord): Promise<void> {
    const { job } = record;
    const tmp = join(this.root, `.tmp-${job.id}`);
    try {
      await rm(tmp, { recursive: true, force: true });
      await mkdir(tmp, { recursive: true, mode: 0o700 });
      // Checked against the schema verify reads it with: an export that could not verify is never handed out.
      const manifest = Manifest.parse(await this.produce(record, tmp));
      const manifestBytes = Buffer.from(JSON.stringify(manifest, null, 2) + '\n');
      await writeFile(join(tmp, MANIFEST_NAME), manifestBytes, { mode: 0o600 });
      await syncPath(join(tmp, MANIFEST_NAME));
      await syncPath(tmp);
      if (record.abort.signal.aborted) throw new ExportCancelled();
      await rename(tmp, this.folder(job.id));
      await syncPath(this.root);
      job.files = [
        ...manifest.files.map((f) => ({ ...f })),
        { name: MANIFEST_NAME, cameraId: null, bytes: manifestBytes.length, sha256: sha256(manifestBytes) },
      ];
      job.manifestSha256 = sha256(manifestBytes);
      job.progress = 1;
      this.finish(record, 'done', null);
      this.deps.log.info(`export ${job.id} done: ${job.files.length - 1} file(s), cameras ${job.cameras.join(', ')}`);
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      if (err instanceof ExportCancelled || record.abort.signal.aborted) {
        this.finish(record, 'cancelled', null);
      } else {
        const message = err instanceof ApiFailure ? err.message : `export failed: ${(err as Error).message}`;
        this.deps.log.warn(`export ${job.id}: ${message}`);
        this.finish(record, 'failed', message);
      }
    }
  }

  private finish(record: JobRecord, state: ExportJob['state'], error: string | null): void {
    const { job } = record;
    job.state = state;
    job.error = error;
    job.finishedAt = this.deps.clock.now();
    job.stage = state === 'done' ? 'done' : state === 'cancelled' ? 'cancelled' : 'failed';
    for (const release of record.releases) release();
    record.releases = [];
    record.markSettled();
  }

  /** Writes every camera's files into `tmp` and returns the manifest. */
  private async produce(record: JobRecord, tmp: string): Promise<Manifest> {
    // Taken before planning, so a new hashing thread boots while the indexes are read.
    const hasher = this.takeHasher();
    let ok = false;
    try {
      const manifest = await this.produceWith(record, tmp, hasher);
      ok = true;
      return manifest;
    } finally {
      this.giveBackHasher(hasher, ok);
    }
  }

  /**
   * The hashing threads, kept a little while after a job (HASHER_IDLE_MS):
   * exports asked for one after another do not each start a thread (about
   * 50 ms and 80 ms of CPU). Jobs run one at a time, so one set is enough.
   */
  private takeHasher(): Hasher {
    this.deps.clock.clearTimeout(this.hasherIdle);
    this.hasherIdle = null;
    const hasher = this.hasher ?? createHasher();
    this.hasher = null;
    return hasher;
  }

  /** Keeps the threads of a job that ended well; a failed one's may hold half-done digests, so they go. */
  private giveBackHasher(hasher: Hasher, reusable: boolean): void {
    if (!reusable || this.stopped) {
      void hasher.close();
      return;
    }
    this.hasher = hasher;
    this.hasherIdle = this.deps.clock.setTimeout(() => this.closeHasher(), HASHER_IDLE_MS);
  }

  private closeHasher(): void {
    this.deps.clock.clearTimeout(this.hasherIdle);
    this.hasherIdle = null;
    void this.hasher?.close();
    this.hasher = null;
  }

  private async produceWith(record: JobRecord, tmp: string, hasher: Hasher): Promise<Manifest> {
    const { job } = record;
    const { store, indexes } = this.deps;
    const signal = record.abort.signal;

    // Plan every camera first: the progress bar then knows the total.
    const planned: { cameraId: number; name: string; plans: OutputPlan[]; note: string | null }[] = [];
    for (const cameraId of job.cameras) {
      const camera = store.getCamera(cameraId);
      if (!camera) throw notFound(`camera ${cameraId} was removed during the export`);
      const picks: SegmentPick[] = [];
      for (const segment of store.querySegments(cameraId, job.from, job.to)) {
        const pick = pickFragments(segment, await indexes.get(segment), job.from, job.to);
        if (pick) picks.push(pick);
      }
      const plans = picks.length ? planOutputs(picks) : [];
      planned.push({ cameraId, name: camera.name, plans, note: plans.length ? null : 'no footage in this range' });
    }
    job.camerasWithoutFootage = planned.filter((p) => !p.plans.length).map((p) => p.cameraId);
    if (planned.every((p) => !p.plans.length)) throw notFound('the footage of this range was deleted before the export started');

    const totalSource = planned.reduce((n, p) => n + p.plans.reduce((m, o) => m + o.sourceBytes, 0), 0);
    const exact = job.mode === 'exact';
    const copyShare = exact ? 0.25 : 1;
    let doneSource = 0;
    let encodedBefore = 0;
    const totalEncode = planned.reduce((n, p) => n + p.plans.length, 0);

    const manifestCameras: Manifest['cameras'] = [];
    const files: Manifest['files'] = [];
    const durations: ExportJob['durations'] = [];
    for (const [ci, cam] of planned.entries()) {
      const names = cam.plans.map((_, k) => `camera-${cam.cameraId}-${slug(cam.name)}${cam.plans.length > 1 ? `-part${k + 1}` : ''}.mp4`);
      const pieces: Manifest['cameras'][number]['pieces'] = [];
      const sources = new Map<number, Manifest['cameras'][number]['sourceSegments'][number]>();
      let durationMs = 0;
      for (const [k, plan] of cam.plans.entries()) {
        const name = names[k];
        job.stage = `${exact ? 'cutting' : 'copying'} ${cam.name} (${ci + 1} of ${planned.length})`;
        const copyTarget = exact ? join(tmp, `work-${name}`) : join(tmp, name);
        const written: WriteResult = await writeConcatenated(plan, copyTarget, {
          signal,
          hasher,
          knownSourceHash: async (pick) => (await this.deps.sourceHashes.valid(pick.segment))?.sha256 ?? null,
          openSource: (pick) => store.files.openReader(pick.segment.file),
          onProgress: (n) => {
            doneSource += n;
            job.progress = Math.min(0.99, (copyShare * doneSource) / Math.max(1, totalSource) + (1 - copyShare) * (encodedBefore / Math.max(1, totalEncode)));
          },
        });
        let fileInfo = { bytes: written.bytes, sha256: written.sha256, durationMs: written.durationMs };
        let filePieces = written.pieces;
        if (exact) {
          job.stage = `re-encoding ${cam.name} (${ci + 1} of ${planned.length})`;
          await encodeExact({
            ffmpegPath: this.deps.ffmpegPath,
            workDir: tmp,
            input: `work-${name}`,
            output: name,
            pieces: written.pieces,
            from: job.from,
            to: job.to,
            burnTimestamp: record.burnTimestamp,
            signal,
            onProgress: (f) => {
              job.progress = Math.min(0.99, copyShare + (1 - copyShare) * ((encodedBefore + f) / Math.max(1, totalEncode)));
            },
          });
          encodedBefore++;
          await unlink(copyTarget);
          for (const f of await readdir(tmp)) if (/^timestamp-\d+\.txt$/.test(f)) await unlink(join(tmp, f));
          await syncPath(join(tmp, name));
          const bytes = (await stat(join(tmp, name))).size;
          filePieces = clipPieces(written.pieces, job.from, job.to);
          fileInfo = { bytes, sha256: await sha256File(join(tmp, name)), durationMs: filePieces.length ? filePieces[filePieces.length - 1].fileEndMs : 0 };
        }
        durationMs += fileInfo.durationMs;
        files.push({ name, cameraId: cam.cameraId, bytes: fileInfo.bytes, sha256: fileInfo.sha256 });
        for (const p of filePieces) pieces.push({ file: name, ...p, fromUtc: iso(p.from), toUtc: iso(p.to) });
        for (const piece of plan.pieces) {
          for (const pick of piece.picks) {
            const digest = written.sources.find((s) => s.segmentId === pick.segment.id)!;
            if (digest.fresh) await this.deps.sourceHashes.record(pick.segment, digest.sha256);
            const hashedAt = digest.fresh ? this.deps.clock.now() : (store.hashes.get(pick.segment.id)?.hashedAt ?? this.deps.clock.now());
            sources.set(pick.segment.id, { id: pick.segment.id, file: pick.segment.file, start: pick.segment.start, end: pick.segment.end, bytes: digest.bytes, sha256: digest.sha256, hashedAt });
          }
        }
      }
      durations.push({ cameraId: cam.cameraId, ms: durationMs });
      manifestCameras.push({ id: cam.cameraId, name: cam.name, files: names, durationMs, pieces, sourceSegments: [...sources.values()], note: cam.note });
    }
    job.durations = durations;
    job.stage = 'writing the manifest';
    const finishedAtMs = this.deps.clock.now();
    return {
      format: MANIFEST_FORMAT,
      keepwatchVersion: VERSION,
      export: { id: job.id, mode: job.mode, burnTimestamp: exact && record.burnTimestamp, createdAt: iso(job.createdAt), createdAtMs: job.createdAt, finishedAtMs },
      range: { from: job.from, to: job.to, fromUtc: iso(job.from), toUtc: iso(job.to) },
      cameras: manifestCameras,
      files,
    };
  }

  private loadFinished(id: number): ExportJob | null {
    const dir = this.folder(id);
    try {
      const raw = readFileSync(join(dir, MANIFEST_NAME));
      const parsed = Manifest.safeParse(JSON.parse(raw.toString('utf8')));
      if (!parsed.success) return null;
      const m = parsed.data;
      const files: ExportFile[] = [...m.files, { name: MANIFEST_NAME, cameraId: null, bytes: raw.length, sha256: sha256(raw) }];
      return {
        id,
        state: 'done',
        mode: m.export.mode,
        cameras: m.cameras.map((c) => c.id),
        from: m.range.from,
        to: m.range.to,
        createdAt: m.export.createdAtMs,
        finishedAt: m.export.finishedAtMs,
        progress: 1,
        stage: 'done',
        error: null,
        files,
        manifestSha256: sha256(raw),
        camerasWithoutFootage: m.cameras.filter((c) => !c.files.length).map((c) => c.id),
        durations: m.cameras.map((c) => ({ cameraId: c.id, ms: c.durationMs })),
      };
    } catch {
      return null;
    }
  }
}

/** A copy of a job for callers: they never hold the live object. */
function snapshot(job: ExportJob): ExportJob {
  return {
    ...job,
    cameras: [...job.cameras],
    files: job.files.map((f) => ({ ...f })),
    camerasWithoutFootage: [...job.camerasWithoutFootage],
    durations: job.durations.map((d) => ({ ...d })),
  };
}

/** The pieces of an exact export: the copy's pieces cut to [from, to) and moved to the re-encoded file's time. */
function clipPieces(pieces: WriteResult['pieces'], from: number, to: number): WriteResult['pieces'] {
  const head = Math.max(0, from - pieces[0].from);
  const out: WriteResult['pieces'] = [];
  for (const p of pieces) {
    const a = Math.max(p.from, from);
    const b = Math.min(p.to, to);
    if (b <= a) continue;
    const fileStartMs = Math.max(0, p.fileStartMs + (a - p.from) - head);
    out.push({ ...p, from: a, to: b, fileStartMs, fileEndMs: fileStartMs + (b - a) });
  }
  return out;
}

function slug(name: string): string {
  return (
    name
      .normalize('NFKD')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'camera'
  );
}

function mb(bytes: number): number {
  return Math.ceil(bytes / 1e6);
}

/** fsync of a file or folder of the exports folder, off the event loop. */
async function syncPath(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

