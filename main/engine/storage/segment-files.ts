/**
 * The segment-file API: every read and write of the recordings folder goes
 * through here (and through the Disk under it), so nothing else in the engine
 * opens a recording. Asynchronous throughout: the event loop never waits on
 * the disk.
 *
 *  - recording: the run folder and ffmpeg's output pattern (prepareRun), the
 *    init segment of a file being written, sealing a finished file (header
 *    patch, fsync of file and folder — before its row exists);
 *  - live view: size, reads and change notification of the file being written;
 *  - playback, thumbnails, export: keyframe index, byte ranges, whole-file
 *    hashing, and files served with a validator bound to their content.
 *
 * File names come from the index (never from a client) and are checked to lie
 * inside the recordings folder; anything served is checked again after
 * resolving symlinks.
 */
import { createHash } from 'node:crypto';
import { join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { child } from '../mp4/boxes.ts';
import { parseInit, type InitInfo } from '../mp4/init.ts';
import { indexSegment, type SegmentIndex } from '../mp4/fragment-index.ts';
import { patternSafe } from '../ingest/ffmpeg-args.ts';
import { notFound } from '../errors.ts';
import { readUpTo, type Disk, type FileIdentity, type FileReader } from './disk.ts';
import { runFolder, segmentName, segmentPattern } from './segment-naming.ts';

/** A file ready to be sent over HTTP: its size, a validator bound to its content, and its bytes. */
export interface ServedFile {
  size: number;
  /** Strong validator: changes whenever the file (or the row it belongs to) changes. */
  etag: string;
  body(start: number, end: number): Readable;
}

/** A segment's init (ftyp + moov) is within this many bytes of its start. */
export const INIT_PROBE = 256 * 1024;
const HASH_CHUNK = 1024 * 1024;

export function etagOf(identity: FileIdentity, rowKey: string): string {
  const parts = [identity.dev, identity.ino, identity.size, Math.floor(identity.mtimeMs)].map((n) => n.toString(36));
  return `"${rowKey}-${parts.join('-')}"`;
}

export class SegmentFiles {
  readonly root: string;
  private realRoot: Promise<string> | null = null;

  constructor(
    root: string,
    private readonly disk: Disk,
  ) {
    this.root = resolve(root);
  }

  /** Absolute path of a name that came from the index; refuses anything outside the folder. */
  absolute(rel: string): string {
    const abs = resolve(this.root, rel);
    if (!abs.startsWith(this.root + sep)) throw new Error(`refusing a path outside the recordings folder: ${rel}`);
    return abs;
  }

  /** The absolute path after resolving symlinks, if it still lies inside the recordings folder; not_found otherwise. */
  private async contained(rel: string, what: string): Promise<string> {
    this.realRoot ??= this.disk.realpath(this.root);
    let real: string;
    let root: string;
    try {
      root = await this.realRoot;
      real = await this.disk.realpath(this.absolute(rel));
    } catch {
      this.realRoot = null;
      throw notFound(`${what} is gone`);
    }
    if (!real.startsWith(root + sep)) throw notFound(`${what} lies outside the recordings folder`);
    return real;
  }

  // ------------------------------------------------------------ recording

  /** Creates a run's folder (0700); returns it (relative) and ffmpeg's `-f segment` output pattern for it. */
  async prepareRun(cameraId: number, runId: number, startedAt: number): Promise<{ folder: string; outputPattern: string }> {
    const folder = runFolder(cameraId, startedAt);
    const abs = this.absolute(folder);
    await this.disk.mkdir(abs);
    return { folder, outputPattern: join(patternSafe(abs), segmentPattern(runId)) };
  }

  /** The name of segment `seq` of a run whose folder prepareRun returned. */
  segmentOfRun(folder: string, runId: number, seq: number): string {
    return `${folder}/${segmentName(runId, seq)}`;
  }

  /** The init segment (ftyp + moov) at the start of a segment file; null while it is not written yet. */
  async readInit(rel: string): Promise<{ buf: Buffer; info: InitInfo } | null> {
    let head: Buffer;
    try {
      head = await this.disk.read(this.absolute(rel), 0, INIT_PROBE);
    } catch {
      return null;
    }
    const moov = child(head, undefined, 'moov');
    if (!moov) return null;
    const buf = head.subarray(0, moov.start + moov.size);
    return { buf, info: parseInit(buf) };
  }

  /**
   * Makes a finished (or crash-cut) segment durable: its header is patched
   * (real durations), the file is cut after `length` bytes when given, then
   * the file and its folder are fsynced. Only after this may its row exist.
   */
  async seal(rel: string, header: Buffer | null, length: number | null = null): Promise<void> {
    const abs = this.absolute(rel);
    if (length !== null) await this.disk.truncate(abs, length);
    if (header) await this.disk.writeAt(abs, 0, header);
    await this.disk.sync(abs);
    await this.disk.sync(join(abs, '..'));
  }

  // ------------------------------------------------------------ reading

  /** The file's identity (size, mtime, inode), or null when it is gone. */
  identity(rel: string): Promise<FileIdentity | null> {
    return this.disk.identity(this.absolute(rel));
  }

  /** Up to `length` bytes at `position` (fewer at the end). For a file being written. */
  read(rel: string, position: number, length: number): Promise<Buffer> {
    return this.disk.read(this.absolute(rel), position, length);
  }

  /** Exactly `length` bytes of an indexed recording; not_found when it is gone or shorter than its index. */
  async readRange(rel: string, position: number, length: number): Promise<Buffer> {
    const path = await this.contained(rel, 'the recording file');
    const buf = await this.disk.read(path, position, length);
    if (buf.length < length) throw new Error('a recording file is shorter than its index (was it modified?)');
    return buf;
  }

  /** An indexed recording opened for reading in the caller's buffers (export). */
  async openReader(rel: string): Promise<FileReader> {
    return this.disk.openReader(await this.contained(rel, 'the recording file'));
  }

  /** Calls `onChange` whenever the file is written (best effort; callers poll as well). */
  watch(rel: string, onChange: () => void): () => void {
    return this.disk.watch(this.absolute(rel), onChange);
  }

  /** Where a segment's keyframes are (the first `size` bytes when given: a file still being written). */
  async index(rel: string, size?: number): Promise<SegmentIndex> {
    const path = await this.contained(rel, 'the recording file');
    const length = size ?? (await this.disk.identity(path))?.size;
    if (length === undefined) throw notFound('the recording file is gone');
    // One open file for the few hundred small reads (a moof and the next header per fragment).
    const reader = await this.disk.openReader(path);
    try {
      return await indexSegment((position, n) => readUpTo(reader, position, n), length);
    } finally {
      await reader.close();
    }
  }

  /** SHA-256 of the whole file, with the identity it had; null when the file changed while it was read. */
  async hash(rel: string, stopped: () => boolean = () => false): Promise<{ sha256: string; identity: FileIdentity } | null> {
    const path = await this.contained(rel, 'the recording file');
    const before = await this.disk.identity(path);
    if (!before) return null;
    const hash = createHash('sha256');
    for (let pos = 0; pos < before.size; pos += HASH_CHUNK) {
      if (stopped()) return null;
      hash.update(await this.disk.read(path, pos, Math.min(HASH_CHUNK, before.size - pos)));
    }
    const after = await this.disk.identity(path);
    if (!after || after.size !== before.size || after.mtimeMs !== before.mtimeMs || after.ino !== before.ino) return null;
    return { sha256: hash.digest('hex'), identity: after };
  }

  /** A recording (or its thumbnail) to serve, with an ETag from the file's identity and `rowKey` (the row it belongs to). */
  async served(rel: string, rowKey: string, what: string): Promise<ServedFile> {
    const path = await this.contained(rel, what);
    const identity = await this.disk.identity(path);
    if (!identity) throw notFound(`${what} is gone`);
    return { size: identity.size, etag: etagOf(identity, rowKey), body: (start, end) => this.disk.stream(path, start, end) };
  }

  // ------------------------------------------------------------ writing and removing

  /** Writes a new file durably: a .tmp written and fsynced, renamed into place, the folder fsynced. */
  async writeDurably(rel: string, bytes: Buffer): Promise<void> {
    const abs = this.absolute(rel);
    const tmp = `${abs}.tmp`;
    await this.disk.unlink(tmp); // a leftover of a crash
    await this.disk.createSynced(tmp, bytes);
    await this.disk.rename(tmp, abs);
    await this.disk.sync(join(abs, '..'));
  }

  unlink(rel: string): Promise<void> {
    return this.disk.unlink(this.absolute(rel));
  }

  /** Free and total bytes of the recordings volume. */
  volume(): Promise<{ freeBytes: number; totalBytes: number }> {
    return this.disk.volume(this.root);
  }

  removeEmptyFolder(rel: string): Promise<void> {
    return this.disk.removeEmptyFolder(this.absolute(rel));
  }

  readdir(rel: string): Promise<string[]> {
    return this.disk.readdir(rel === '' ? this.root : this.absolute(rel));
  }
}
