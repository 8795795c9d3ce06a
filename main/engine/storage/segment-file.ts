/**
 * A finished (or crash-cut) segment file being sealed: its header durations
 * are patched in place, then the file and its folder are fsynced. Only after
 * `finish()` may its row be inserted. ffmpeg writes the media itself.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { Store } from './store.ts';

export class SegmentFile {
  private fd: number | null;

  private constructor(
    private readonly store: Store,
    readonly rel: string,
  ) {
    this.fd = openSync(store.absolutePath(rel), 'r+');
  }

  /** Opens an existing segment to patch and seal it. */
  static reopenForPatch(store: Store, rel: string): SegmentFile {
    return new SegmentFile(store, rel);
  }

  /** Overwrites bytes in place (the init segment's duration fields; the layout never changes). */
  patch(position: number, buf: Buffer): void {
    if (this.fd === null) throw new Error('segment file is closed');
    writeSync(this.fd, buf, 0, buf.length, position);
  }

  /** Closes, then fsyncs the file and its folder. After this the row may be inserted. */
  finish(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    this.store.syncFile(this.rel);
  }
}
