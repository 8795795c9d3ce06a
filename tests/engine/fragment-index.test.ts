/**
 * indexSegment (main/engine/mp4/fragment-index.ts) reads small fragments a
 * window at a time and large ones with one small read each: the same index
 * either way, whatever the reader returns per call.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/tmp.ts';
import { indexSegment, READ_AHEAD, type ByteReader } from '../../main/engine/mp4/fragment-index.ts';
import { Mp4StreamReader, type Fragment } from '../../main/engine/mp4/stream-reader.ts';

const tmp = tempDir('kw-fragidx-');
let low: Buffer; // 20 s at ~300 kb/s in 250 ms fragments: about 10 KB each
let high: Buffer; // 4 s at ~8 Mb/s in 250 ms fragments: about 250 KB each

function encode(name: string, seconds: number, bitrate: string, size: string): Buffer {
  const file = join(tmp.dir, name);
  execFileSync('ffmpeg', [
    '-v', 'error', '-f', 'lavfi', '-i', `testsrc2=s=${size}:r=25`, '-f', 'lavfi', '-i', 'anoisesrc=a=0.1:r=8000', '-t', String(seconds),
    '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-b:v', bitrate, '-maxrate', bitrate, '-bufsize', bitrate, '-c:a', 'aac',
    '-f', 'mp4', '-movflags', '+frag_keyframe+empty_moov+default_base_moof', '-frag_duration', '250000', file,
  ]);
  return readFileSync(file);
}

beforeAll(() => {
  low = encode('low.mp4', 20, '300k', '320x180');
  high = encode('high.mp4', 4, '8M', '1280x720');
  return () => tmp.cleanup();
});

/** A reader over `bytes` that counts its calls and bytes, returning at most `cap` bytes per call when given (as a short read would). */
function counting(bytes: Buffer): { read: ByteReader; calls: number; bytes: number } {
  const c = {
    calls: 0,
    bytes: 0,
    read: async (position: number, length: number) => {
      c.calls++;
      const out = Buffer.from(bytes.subarray(position, position + length)); // a fresh buffer per read, as from disk
      c.bytes += out.length;
      return out;
    },
  };
  return c;
}

function streamSplit(bytes: Buffer): Fragment[] {
  const out: Fragment[] = [];
  const r = new Mp4StreamReader({ onInit: () => undefined, onFragment: (f) => out.push(f) });
  r.push(bytes);
  return out;
}

describe('segment index', () => {
  it('indexes a low-bitrate segment in a few large reads, finding every fragment the stream reader finds', async () => {
    const reader = counting(low);
    const index = await indexSegment(reader.read, low.length);
    const reference = streamSplit(low);
    expect(reference.length).toBeGreaterThan(60);
    expect(index.fragments.map((f) => f.size)).toEqual(reference.map((f) => f.bytes.length));
    expect(index.fragments.filter((f) => f.keyframe)).toHaveLength(20);
    expect(index.durationMs).toBeGreaterThan(19_800);
    expect(index.durationMs).toBeLessThan(20_200);
    // One read per fragment before; now about one per READ_AHEAD bytes of file.
    expect(reader.calls).toBeLessThanOrEqual(Math.ceil(low.length / READ_AHEAD) * 2 + 2);
    expect(reader.calls).toBeLessThan(reference.length / 4);
  });

  it('reads only the headers of large fragments, not their media', async () => {
    const reader = counting(high);
    const index = await indexSegment(reader.read, high.length);
    const reference = streamSplit(high);
    expect(index.fragments.map((f) => f.size)).toEqual(reference.map((f) => f.bytes.length));
    expect(Math.min(...index.fragments.map((f) => f.size))).toBeGreaterThan(64 * 1024);
    // The first window (init and the first fragments), then a small read or two per fragment.
    expect(reader.bytes).toBeLessThan(READ_AHEAD + index.fragments.length * 2 * 4096 + 8192);
    expect(reader.bytes).toBeLessThan(high.length / 4);
  });

  it('keeps a copy of the init, not a view of a whole read window', async () => {
    const index = await indexSegment(counting(low).read, low.length);
    expect(index.init.length).toBeLessThan(4096);
    expect(index.init.buffer.byteLength).toBeLessThan(READ_AHEAD / 4);
    expect(index.init.subarray(4, 8).toString()).toBe('ftyp');
  });

  it('stops at a torn tail, wherever the file was cut', async () => {
    const full = await indexSegment(counting(low).read, low.length);
    for (const cut of [full.fragments[10].offset + 3, full.fragments[30].offset + full.fragments[30].size - 1, full.fragments[30].offset + full.fragments[30].size]) {
      const bytes = low.subarray(0, cut);
      const index = await indexSegment(counting(bytes).read, bytes.length);
      const whole = full.fragments.filter((f) => f.offset + f.size <= cut);
      expect(index.fragments.map((f) => f.offset)).toEqual(whole.map((f) => f.offset));
    }
  });

  it('indexes only the first fileSize bytes of a file still being written', async () => {
    const full = await indexSegment(counting(low).read, low.length);
    const size = full.fragments[40].offset;
    const index = await indexSegment(counting(low).read, size);
    expect(index.fragments).toHaveLength(40);
  });
});
