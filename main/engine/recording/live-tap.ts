/**
 * Live view of a recorded stream without a second camera connection and
 * without putting the engine in the recording's data path: while someone
 * watches, the tap reads the segment file ffmpeg is writing (fragments are
 * flushed as they are cut, so they are in the page cache at once) and hands
 * its fragments to the live fan-out.
 *
 * - Starting mid-segment, it jumps to the segment's latest keyframe fragment
 *   (reading only box headers and moofs), so the viewer's first frame is
 *   immediate and nothing older is sent.
 * - Each segment file restarts at time 0; the tap shifts fragment times by the
 *   segment's start so the live timeline is continuous across segments.
 * - A slow viewer cannot slow ffmpeg: ffmpeg never waits for this reader.
 */
import { closeSync, fstatSync, openSync, readSync, watch, type FSWatcher } from 'node:fs';
import { readBoxHeader } from '../mp4/boxes.ts';
import { parseMoof, rebaseMoof, videoRun } from '../mp4/fragment.ts';
import { parseInit, type InitInfo } from '../mp4/init.ts';
import { Mp4StreamReader } from '../mp4/stream-reader.ts';
import type { StreamKind } from '../storage/store.ts';
import type { LiveSink } from './pipeline.ts';

const READ_CHUNK = 1 << 20;

export class LiveTap {
  private file: string | null = null;
  /** Start of the current file on the run's media timeline, in seconds. */
  private baseSeconds = 0;
  private fd: number | null = null;
  /** inotify on the file being read: fragments are forwarded the moment ffmpeg flushes them, not at the next tick. */
  private watcher: FSWatcher | null = null;
  private offset = 0;
  private reader: Mp4StreamReader | null = null;
  private lastInit: Buffer | null = null;
  private lastInitKey = '';
  private init: InitInfo | null = null;
  private reading = false;

  /** True while someone watches (the recorder then ticks fast). */
  get active(): boolean {
    return this.reading || (this.sink.wants ? this.sink.wants(this.cameraId, this.kind) : true);
  }

  constructor(
    private readonly cameraId: number,
    private readonly kind: StreamKind,
    private readonly sink: LiveSink,
  ) {}

  /** The file ffmpeg is writing now and where it starts on the run's timeline. */
  setFile(path: string, baseSeconds: number): void {
    if (this.fd !== null && this.file !== path) {
      this.readAvailable(); // the old file's last fragments first
      this.closeFile();
    }
    this.file = path;
    this.baseSeconds = baseSeconds;
  }

  /** Reads what is new, if anyone watches. Called every ~100 ms. */
  tick(): void {
    const wanted = this.sink.wants ? this.sink.wants(this.cameraId, this.kind) : true;
    if (!wanted) {
      if (this.reading) this.closeFile();
      this.reading = false;
      return;
    }
    if (!this.file) return;
    if (this.fd === null && !this.openFile(!this.reading)) return;
    this.reading = true;
    this.readAvailable();
  }

  /** The run ended. */
  stop(): void {
    if (this.fd !== null) this.readAvailable();
    this.closeFile();
    if (this.lastInit) this.sink.onEnd(this.cameraId, this.kind);
    this.lastInit = null;
    this.lastInitKey = '';
    this.file = null;
  }

  private openFile(jumpToLatestKeyframe: boolean): boolean {
    try {
      this.fd = openSync(this.file!, 'r');
    } catch {
      return false; // not created yet
    }
    this.offset = 0;
    this.reader = new Mp4StreamReader({
      onInit: (init, info) => this.onInit(init, info),
      onFragment: (f) => this.onFragment(f.bytes, f.moofLength),
    });
    if (jumpToLatestKeyframe) this.skipToLatestKeyframe();
    try {
      this.watcher = watch(this.file!, { persistent: false }, () => this.readAvailable());
      this.watcher.on('error', () => this.watcher?.close());
    } catch {
      this.watcher = null; // the tick still polls
    }
    return true;
  }

  private closeFile(): void {
    this.watcher?.close();
    this.watcher = null;
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    this.reader = null;
    this.offset = 0;
  }

  /** Feeds the init segment, then continues from the last keyframe fragment already written. */
  private skipToLatestKeyframe(): void {
    const fd = this.fd!;
    const size = fstatSync(fd).size;
    const head = Buffer.alloc(16);
    let pos = 0;
    let initEnd = 0;
    let init: InitInfo | null = null;
    let lastKey = -1;
    while (pos + 8 <= size) {
      readSync(fd, head, 0, 16, pos);
      let box;
      try {
        box = readBoxHeader(head, 0);
      } catch {
        break;
      }
      if (!box || box.size === 0 || pos + box.size > size) break;
      if (box.type === 'moov') {
        const initBuf = Buffer.alloc(pos + box.size);
        readSync(fd, initBuf, 0, initBuf.length, 0);
        init = parseInit(initBuf);
        initEnd = pos + box.size;
      } else if (box.type === 'moof' && init) {
        const moof = Buffer.alloc(box.size);
        readSync(fd, moof, 0, box.size, pos);
        const run = videoRun(parseMoof(moof, init), init);
        if (run?.startsWithSync) lastKey = pos;
      }
      pos += box.size;
    }
    if (!init) return; // header not written yet: read from the start later
    const initBuf = Buffer.alloc(initEnd);
    readSync(fd, initBuf, 0, initEnd, 0);
    this.reader!.push(initBuf);
    this.offset = lastKey > 0 ? lastKey : initEnd;
  }

  private readAvailable(): void {
    if (this.fd === null || !this.reader) return;
    const size = fstatSync(this.fd).size;
    while (this.offset < size) {
      const n = Math.min(READ_CHUNK, size - this.offset);
      const buf = Buffer.alloc(n);
      const got = readSync(this.fd, buf, 0, n, this.offset);
      if (got <= 0) break;
      this.offset += got;
      try {
        this.reader.push(got === n ? buf : buf.subarray(0, got));
      } catch {
        this.closeFile(); // a torn or foreign file: stop tapping it
        return;
      }
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
    // Shift forward by the segment's start (negative base = add).
    const shift = new Map(init.tracks.map((t) => [t.trackId, -Math.round(this.baseSeconds * t.timescale)]));
    const shiftedMoof = rebaseMoof(moof, info, shift);
    const shifted = parseMoof(shiftedMoof, init);
    this.sink.onFragment(this.cameraId, this.kind, {
      bytes: Buffer.concat([shiftedMoof, bytes.subarray(moofLength)]),
      moofLength,
      info: shifted,
    });
  }
}
