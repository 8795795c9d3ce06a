/**
 * Live view of a recorded stream without a second camera connection and
 * without putting the engine in the recording's data path: while someone
 * watches, the tap reads the segment file ffmpeg is writing (fragments are
 * flushed as they are cut, so they are in the page cache at once) and hands
 * its fragments to the live fan-out.
 *
 * - Starting mid-segment, it jumps to the segment's latest keyframe fragment,
 *   found in the file's tail (./tail-fragments.ts: two reads, not one per
 *   fragment from the start of a 60 s segment), so the viewer's first frame
 *   is immediate and nothing older is sent. Back within a moment of a pause
 *   (the last viewer left and a new one came), it continues right after the
 *   last fragment it sent: viewers joined from the hub's cached GOP, which
 *   must not be sent again.
 * - Each segment file restarts at time 0; the tap shifts fragment times by the
 *   segment's start so the live timeline is continuous across segments.
 * - A slow viewer cannot slow ffmpeg: ffmpeg never waits for this reader.
 * - A slow disk cannot slow the engine: reads go through the storage
 *   module's asynchronous segment-file API, queued one at a time.
 */
import { child } from '../mp4/boxes.ts';
import { parseMoof, rebaseMoof } from '../mp4/fragment.ts';
import type { ByteReader } from '../mp4/fragment-index.ts';
import { parseInit, type InitInfo } from '../mp4/init.ts';
import { Mp4StreamReader } from '../mp4/stream-reader.ts';
import type { StreamKind } from '../storage/store.ts';
import { readUpTo, type FileReader } from '../storage/disk.ts';
import { INIT_PROBE, type SegmentFiles } from '../storage/segment-files.ts';
import type { LiveSink } from './pipeline.ts';
import { tailFragments, type TailFragment } from './tail-fragments.ts';
import { liveTrace } from '../live/live-trace.ts';

/** One read: several live fragments (100 ms each) fit; bytes read are copied out of it. */
const READ_CHUNK = 64 * 1024;

/**
 * Reading again this soon after it stopped, the tap continues after the last
 * fragment it sent: the hub still serves that GOP to new viewers (it drops a
 * GOP 2 s old), so they have it. Later, it starts at the latest keyframe.
 */
export const RESUME_WITHIN_MS = 1500;

/**
 * While the followed file's change notifications keep coming, a tick does
 * not poll it: each write is read the moment it is reported, and a poll
 * between two fragments only reads nothing (six file reads a second per
 * watched camera with 250 ms fragments and the 100 ms beat). After this long
 * without a notification (no inotify, a lost watch, a stalled writer) every
 * tick polls again. Longer than a recorded fragment, so a working watch is
 * not second-guessed between fragments; a notification that never comes
 * delays that write by at most this much.
 */
export const WATCH_SILENCE_MS = 600;

export class LiveTap {
  /** The segment file ffmpeg is writing now (relative name). */
  private file: string | null = null;
  /** Start of the current file on the run's media timeline, in seconds. */
  private baseSeconds = 0;
  /** Change notification on the file being read: fragments are forwarded the moment ffmpeg flushes them, not at the next tick. */
  private unwatch: (() => void) | null = null;
  /** When the watch last reported a write (see WATCH_SILENCE_MS); -Infinity until it has. */
  private lastChangeAt = -Infinity;
  private offset = 0;
  private reader: Mp4StreamReader | null = null;
  /** The followed file, open while followed: a read per change, not an open, a read and a close. */
  private handle: FileReader | null = null;
  private scratch: Buffer | null = null;
  private lastInit: Buffer | null = null;
  private lastInitKey = '';
  private init: InitInfo | null = null;
  private reading = false;
  /** Every file operation runs in order, one at a time, off the event loop's critical path. */
  private chain: Promise<void> = Promise.resolve();
  private pullQueued = false;
  /** The last fragment sent: its file, its video time in that file, and when. */
  private lastSent: { file: string; videoTime: number; at: number } | null = null;

  /** True while someone watches (the recorder then ticks fast). */
  get active(): boolean {
    return this.reading || (this.sink.wants ? this.sink.wants(this.cameraId, this.kind) : true);
  }

  constructor(
    private readonly cameraId: number,
    private readonly kind: StreamKind,
    private readonly sink: LiveSink,
    private readonly files: SegmentFiles,
    private readonly now: () => number = Date.now,
  ) {}

  /** Resolves when every queued file operation is done, also ones queued meanwhile (tests). */
  async settled(): Promise<void> {
    let chain;
    do {
      chain = this.chain;
      await chain;
    } while (chain !== this.chain);
  }

  private enqueue(task: () => Promise<void>): Promise<void> {
    this.chain = this.chain.then(task).catch(() => {
      // A torn, foreign or unreadable file: let go of it; a later tick starts
      // again at the latest keyframe (never re-sending what viewers have).
      this.closeFile();
      this.reading = false;
    });
    return this.chain;
  }

  /** The file ffmpeg is writing now and where it starts on the run's timeline. */
  setFile(file: string, baseSeconds: number): void {
    void this.enqueue(async () => {
      if (this.reader && this.file !== file) {
        await this.readAvailable(); // the old file's last fragments first
        this.closeFile();
      }
      this.file = file;
      this.baseSeconds = baseSeconds;
      if (this.reading) this.pull(); // a viewer waits: the new file's first fragments now, not at the next tick
    });
  }

  /** Reads what is new, if anyone watches. Called every ~100 ms. */
  tick(): void {
    const wanted = this.sink.wants ? this.sink.wants(this.cameraId, this.kind) : true;
    if (!wanted) {
      if (this.reading) void this.enqueue(async () => this.closeFile());
      this.reading = false;
      return;
    }
    if (this.reader && this.now() - this.lastChangeAt < WATCH_SILENCE_MS) return; // the watch reads each write as it comes
    this.pull();
  }

  /** Queues one read of whatever is new (at most one waits at a time). */
  private pull(): void {
    if (this.pullQueued) return;
    this.pullQueued = true;
    void this.enqueue(async () => {
      this.pullQueued = false;
      if (!this.file) return;
      if (!this.reader) liveTrace(`tap.open.${this.kind}`);
      if (!this.reader && !(await this.openFile(!this.reading))) return;
      this.reading = true;
      await this.readAvailable();
    });
  }

  /** The run ended. */
  stop(): Promise<void> {
    return this.enqueue(async () => {
      if (this.reader) await this.readAvailable();
      this.closeFile();
      if (this.lastInit) this.sink.onEnd(this.cameraId, this.kind);
      this.lastInit = null;
      this.lastInitKey = '';
      this.file = null;
    });
  }

  private async openFile(jumpToLatestKeyframe: boolean): Promise<boolean> {
    const file = this.file!;
    const identity = await this.files.identity(file);
    if (!identity) return false; // not created yet
    this.handle = await this.files.openReader(file);
    this.offset = 0;
    this.reader = new Mp4StreamReader({
      onInit: (init, info) => this.onInit(init, info),
      onFragment: (f) => this.onFragment(f.bytes, f.moofLength),
    });
    if (jumpToLatestKeyframe) await this.skipToLiveEdge(file, identity.size);
    liveTrace(`tap.edge.${this.kind}`);
    this.unwatch = this.files.watch(file, () => {
      this.lastChangeAt = this.now();
      this.pull();
    });
    return true;
  }

  private closeFile(): void {
    this.unwatch?.();
    this.unwatch = null;
    this.lastChangeAt = -Infinity;
    this.reader = null;
    this.offset = 0;
    const handle = this.handle;
    this.handle = null;
    void handle?.close().catch(() => undefined);
  }

  /**
   * Feeds the init segment, then continues where a new viewer should start:
   * right after the last fragment sent when that was a moment ago (same
   * file), else at the latest keyframe fragment written.
   */
  private async skipToLiveEdge(file: string, size: number): Promise<void> {
    const handle = this.handle!;
    const read: ByteReader = (position, length) => readUpTo(handle, position, length);
    const head = await read(0, Math.min(size, INIT_PROBE));
    const moov = child(head, undefined, 'moov');
    if (!moov) return; // header not written yet: read from the start later
    const initEnd = moov.start + moov.size;
    const init = head.subarray(0, initEnd);
    const info = parseInit(init);
    const last = this.lastSent?.file === file && this.now() - this.lastSent.at <= RESUME_WITHIN_MS ? this.lastSent.videoTime : null;
    let start: number | null = null;
    if (last !== null) {
      const tail = await tailFragments(read, size, initEnd, info, (f) => f[0].videoTime <= last);
      if (tail.length && tail[0].videoTime <= last) start = tail.find((f) => f.videoTime > last)?.offset ?? endOf(tail);
    }
    if (start === null) {
      const tail = await tailFragments(read, size, initEnd, info, (f) => f.some((x) => x.keyframe));
      start = tail.findLast((f) => f.keyframe)?.offset ?? tail[0]?.offset ?? initEnd;
    }
    this.reader!.push(Buffer.from(init));
    this.offset = start;
  }

  /**
   * Reads up to the end of the file. No stat per read: a short read is the
   * end (the file only grows while the tap follows it), so following a
   * camera costs one read per write notification.
   */
  private async readAvailable(): Promise<void> {
    const handle = this.handle;
    if (!handle || !this.reader) return;
    this.scratch ??= Buffer.allocUnsafe(READ_CHUNK);
    const scratch = this.scratch;
    while (this.reader && this.handle === handle) {
      const n = await handle.read(scratch, 0, READ_CHUNK, this.offset);
      if (n === 0 || !this.reader || this.handle !== handle) break;
      this.offset += n;
      this.reader.push(Buffer.from(scratch.subarray(0, n))); // throws on a torn or foreign file: enqueue() stops the tap
      if (n < READ_CHUNK) break;
    }
  }

  private onInit(init: Buffer, info: InitInfo): void {
    this.init = info;
    // Every segment file repeats the stream's init segment: announce it only
    // when the stream itself changed (codec or size), not per segment.
    const key = `${info.mimeType}|${info.video?.width}x${info.video?.height}`;
    if (this.lastInit && key === this.lastInitKey) return;
    this.lastInitKey = key;
    this.lastInit = Buffer.from(init);
    this.sink.onInit(this.cameraId, this.kind, this.lastInit, info);
  }

  private onFragment(bytes: Buffer, moofLength: number): void {
    const init = this.init;
    if (!init) return;
    const moof = bytes.subarray(0, moofLength);
    const info = parseMoof(moof, init);
    const video = info.runs.find((r) => r.trackId === init.video?.trackId);
    if (this.file && video) this.lastSent = { file: this.file, videoTime: video.baseDecodeTime, at: this.now() };
    // Shift forward by the segment's start (negative base = add).
    const shift = new Map(init.tracks.map((t) => [t.trackId, -Math.round(this.baseSeconds * t.timescale)]));
    const shiftedMoof = rebaseMoof(moof, info, shift);
    const shifted = parseMoof(shiftedMoof, init);
    liveTrace(`tap.frag.${this.kind}`);
    this.sink.onFragment(this.cameraId, this.kind, {
      bytes: Buffer.concat([shiftedMoof, bytes.subarray(moofLength)]),
      moofLength,
      info: shifted,
    });
  }
}

/** Where the init segment (everything up to and including moov) ends in `head`; null when it is not all there. */
function endOf(fragments: TailFragment[]): number {
  const last = fragments[fragments.length - 1];
  return last.offset + last.size;
}
