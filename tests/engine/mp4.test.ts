import { describe, it, expect, beforeAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../helpers/tmp.ts';
import { Mp4StreamReader, type Fragment } from '../../main/engine/mp4/stream-reader.ts';
import { completePrefixLength } from '../../main/engine/mp4/boxes.ts';
import { summarizeFragmentedMp4 } from '../../main/engine/mp4/file-summary.ts';
import { parseMoof, rebaseMoof } from '../../main/engine/mp4/fragment.ts';
import type { InitInfo } from '../../main/engine/mp4/init.ts';

let stream: Buffer;
const tmp = tempDir('kw-mp4-');

beforeAll(() => {
  // 4 s of 25 fps H.264 with a keyframe every second, plus AAC: what a camera ingest looks like.
  const file = join(tmp.dir, 'in.mp4');
  execFileSync('ffmpeg', [
    '-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=s=320x180:r=25', '-f', 'lavfi', '-i', 'sine=f=440:sample_rate=8000',
    '-t', '4', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-bf', '2', '-c:a', 'aac',
    '-f', 'mp4', '-movflags', '+frag_keyframe+empty_moov+default_base_moof+skip_trailer', '-frag_duration', '250000', file,
  ]);
  stream = readFileSync(file);
  return () => tmp.cleanup();
});

function readAll(buf: Buffer, chunk: number): { init: InitInfo | null; fragments: Fragment[] } {
  let init: InitInfo | null = null;
  const fragments: Fragment[] = [];
  const r = new Mp4StreamReader({ onInit: (_b, i) => (init = i), onFragment: (f) => fragments.push(f) });
  for (let i = 0; i < buf.length; i += chunk) r.push(buf.subarray(i, i + chunk));
  return { init, fragments };
}

describe('fragmented MP4 stream reader', () => {
  it('finds the init segment, both tracks and their codecs', () => {
    const { init } = readAll(stream, 4096);
    expect(init!.video).toMatchObject({ fourcc: 'avc1', width: 320, height: 180, timescale: expect.any(Number) });
    expect(init!.audio?.fourcc).toBe('mp4a');
    expect(init!.mimeType).toMatch(/^video\/mp4; codecs="avc1\.[0-9a-f]{6}, mp4a\.40\.2"$/);
  });

  it('splits identically whatever the chunk size (1 byte to 1 MiB)', () => {
    const reference = readAll(stream, 1 << 20).fragments.map((f) => f.bytes.length);
    for (const chunk of [1, 7, 188, 65536]) {
      expect(readAll(stream, chunk).fragments.map((f) => f.bytes.length)).toEqual(reference);
    }
  });

  it('sums to the real duration and marks one keyframe fragment per second', () => {
    const { init, fragments } = readAll(stream, 65536);
    const v = init!.video!;
    const videoTicks = fragments.flatMap((f) => f.info.runs.filter((r) => r.trackId === v.trackId)).reduce((a, r) => a + r.duration, 0);
    expect(videoTicks / v.timescale).toBeCloseTo(4, 1);
    const keyframes = fragments.filter((f) => f.info.runs.find((r) => r.trackId === v.trackId)?.startsWithSync);
    expect(keyframes.length).toBe(4);
  });

  it('rebases decode times so a segment starts at zero', () => {
    const { init, fragments } = readAll(stream, 65536);
    const later = fragments[fragments.length - 1];
    const moof = later.bytes.subarray(0, later.moofLength);
    const base = new Map(later.info.runs.map((r) => [r.trackId, r.baseDecodeTime]));
    const rebased = parseMoof(rebaseMoof(moof, later.info, base), init!);
    expect(rebased.runs.every((r) => r.baseDecodeTime === 0)).toBe(true);
    expect(later.info.runs.some((r) => r.baseDecodeTime > 0)).toBe(true);
  });

  it('rejects a stream that is not MP4 instead of buffering forever', () => {
    const r = new Mp4StreamReader({ onInit: () => {}, onFragment: () => {} });
    expect(() => r.push(Buffer.from('\xff\xff\xff\xffRTSP/1.0 200 OK garbage garbage', 'latin1'))).toThrow();
  });
});

describe('crash-cut files', () => {
  it('keeps every complete fragment of a file torn anywhere', () => {
    const whole = summarizeFragmentedMp4(stream);
    for (const cut of [whole.initLength + 10, Math.floor(stream.length / 2), stream.length - 1]) {
      const torn = stream.subarray(0, cut);
      const s = summarizeFragmentedMp4(torn);
      expect(s.completeLength).toBeLessThanOrEqual(cut);
      expect(completePrefixLength(torn.subarray(0, s.completeLength))).toBe(s.completeLength);
      expect(s.durationMs).toBeLessThanOrEqual(whole.durationMs);
    }
    const half = summarizeFragmentedMp4(stream.subarray(0, Math.floor(stream.length / 2)));
    expect(half.fragments).toBeGreaterThan(3);
  });

  it('refuses a file with no header', () => {
    expect(() => summarizeFragmentedMp4(stream.subarray(0, 20))).toThrow(/moov/);
  });
});
