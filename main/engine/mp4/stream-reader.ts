/**
 * Splits a fragmented-MP4 byte stream (ffmpeg's stdout) into its init segment
 * and its fragments, without copying more than once per box.
 */
import { readBoxHeader, Mp4Error } from './boxes.ts';
import { ByteQueue } from './byte-queue.ts';
import { parseInit, type InitInfo } from './init.ts';
import { parseMoof, type FragmentInfo } from './fragment.ts';

export interface Fragment {
  /** The moof box followed by its mdat box: one self-contained media fragment. */
  bytes: Buffer;
  /** Length of the moof part of `bytes`. */
  moofLength: number;
  info: FragmentInfo;
}

export interface StreamReaderEvents {
  onInit(init: Buffer, info: InitInfo): void;
  onFragment(fragment: Fragment): void;
}

/** Largest single box accepted from ffmpeg; a bigger one means a broken stream. */
const MAX_BOX = 64 * 1024 * 1024;

export class Mp4StreamReader {
  private readonly queue = new ByteQueue();
  private ftyp: Buffer | null = null;
  private init: InitInfo | null = null;
  private pendingMoof: Buffer | null = null;

  constructor(private readonly events: StreamReaderEvents) {}

  get initInfo(): InitInfo | null {
    return this.init;
  }

  push(chunk: Buffer): void {
    this.queue.push(chunk);
    for (;;) {
      const box = this.nextBox();
      if (!box) return;
      this.handle(box);
    }
  }

  /** Size of the box being waited for, once its header is known (skip re-reading headers on every chunk). */
  private awaiting = 0;

  private nextBox(): Buffer | null {
    if (this.awaiting === 0) {
      if (this.queue.length < 8) return null;
      const header = readBoxHeader(this.queue.peek(Math.min(16, this.queue.length)), 0);
      if (!header) return null;
      if (header.size === 0 || header.size > MAX_BOX) throw new Mp4Error(`unexpected box size ${header.size} (${header.type})`);
      this.awaiting = header.size;
    }
    if (this.queue.length < this.awaiting) return null;
    const box = this.queue.take(this.awaiting);
    this.awaiting = 0;
    return box;
  }

  private handle(box: Buffer): void {
    const type = box.toString('latin1', 4, 8);
    switch (type) {
      case 'ftyp':
        this.ftyp = Buffer.from(box); // copy: do not pin the chunk it came in
        return;
      case 'moov': {
        const init = this.ftyp ? Buffer.concat([this.ftyp, box]) : box;
        this.init = parseInit(init);
        this.events.onInit(init, this.init);
        return;
      }
      case 'moof':
        this.pendingMoof = box;
        return;
      case 'mdat': {
        if (!this.pendingMoof || !this.init) return; // mdat without moof: not a fragment we can use
        const moof = this.pendingMoof;
        this.pendingMoof = null;
        const info = parseMoof(moof, this.init);
        this.events.onFragment({ bytes: Buffer.concat([moof, box]), moofLength: moof.length, info });
        return;
      }
      default:
        return; // styp, sidx, free, mfra...: not needed
    }
  }
}
