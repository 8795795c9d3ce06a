/**
 * A segment file being written by a recorder. Created with O_EXCL (a file is
 * never overwritten), appended fragment by fragment, synced to disk about once
 * a second so a power cut loses about a second, and fsynced (file and folder)
 * before its row is inserted.
 */
import { closeSync, fdatasync, openSync, writeSync } from 'node:fs';
import type { Store } from './store.ts';

export class SegmentFile {
  private fd: number | null;
  private written = 0;
  private lastSync = 0;

  constructor(
    private readonly store: Store,
    readonly rel: string,
    private readonly syncEveryMs = 1000,
    flags: 'wx' | 'r+' = 'wx',
  ) {
    this.fd = openSync(store.absolutePath(rel), flags);
  }

  /** Opens an existing segment (crash recovery) to patch its header. */
  static reopenForPatch(store: Store, rel: string): SegmentFile {
    return new SegmentFile(store, rel, 1000, 'r+');
  }

  get bytes(): number {
    return this.written;
  }

  append(buf: Buffer, nowMs: number): void {
    if (this.fd === null) throw new Error('segment file is closed');
    let off = 0;
    while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off);
    this.written += buf.length;
    if (nowMs - this.lastSync >= this.syncEveryMs) {
      this.lastSync = nowMs;
      // Asynchronous: never block the event loop (and every other camera) on the disk.
      fdatasync(this.fd, () => undefined);
    }
  }

  /** Overwrites bytes already written (the init segment's duration fields). */
  patch(position: number, buf: Buffer): void {
    if (this.fd === null) throw new Error('segment file is closed');
    writeSync(this.fd, buf, 0, buf.length, position);
  }

  /** Closes and fsyncs the file and its folder. After this the row may be inserted. */
  finish(): void {
    this.close();
    this.store.syncFile(this.rel);
  }

  close(): void {
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    closeSync(fd);
  }
}
