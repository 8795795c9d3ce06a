// FLV (H.264) from a real ffmpeg, remuxed to fragmented MP4 a frame at a
// time (main/engine/flv/): the pictures decode exactly as the FLV's do, the
// init names the picture size the SPS gives (cropping, High profiles,
// scaling matrices), times and keyframes carry over, and a broken stream is
// a clear error, whatever the chunk sizes.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeH264Flv } from '../helpers/h264-flv.ts';
import { FlvError, FlvReader, type FlvVideoFrame } from '../../main/engine/flv/reader.ts';
import { FlvToFmp4 } from '../../main/engine/flv/to-fmp4.ts';
import { avcConfigSps, H264Error, spsPictureSize } from '../../main/engine/h264/sps.ts';
import type { Fragment } from '../../main/engine/mp4/stream-reader.ts';
import type { InitInfo } from '../../main/engine/mp4/init.ts';

const dir = mkdtempSync(join(tmpdir(), 'kw-flv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 2 s of testsrc2 as H.264 in FLV, written by ffmpeg to a pipe as the transcoder does. */
function ffmpegFlv(size: string, x264: string[] = []): Buffer {
  return encodeH264Flv({ size, frames: 30, x264: ['-g', '10', ...x264] });
}

function remux(flv: Buffer, chunk: (i: number) => number = () => flv.length): { init: Buffer; info: InitInfo; fragments: Fragment[] } {
  let got: { init: Buffer; info: InitInfo } | null = null;
  const fragments: Fragment[] = [];
  const m = new FlvToFmp4({ onInit: (init, info) => (got = { init, info }), onFragment: (f) => fragments.push(f) });
  for (let at = 0, i = 0; at < flv.length; i++) {
    const n = Math.max(1, chunk(i));
    m.push(flv.subarray(at, at + n));
    at += n;
  }
  return { ...got!, fragments };
}

function frames(flv: Buffer): FlvVideoFrame[] {
  const out: FlvVideoFrame[] = [];
  new FlvReader({ onAvcConfig: () => undefined, onVideoFrame: (f) => out.push(f) }).push(flv);
  return out;
}

function md5Of(file: string, data: Buffer, format: string): string {
  writeFileSync(join(dir, file), data);
  return execFileSync('ffmpeg', ['-v', 'error', '-f', format, '-i', join(dir, file), '-f', 'framemd5', '-']).toString().split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(',').pop()!.trim()).join(' ');
}

function probeSize(mp4: Buffer): string {
  writeFileSync(join(dir, 'probe.mp4'), mp4);
  return execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', join(dir, 'probe.mp4')]).toString().trim();
}

/** A hand-made FLV tag: type, payload, timestamp (ms, 32 bits). */
function tag(type: number, body: Buffer, ms = 0): Buffer {
  const head = Buffer.alloc(11);
  head[0] = type;
  head.writeUIntBE(body.length, 1, 3);
  head.writeUIntBE(ms & 0xffffff, 4, 3);
  head[7] = ms >>> 24;
  const trailer = Buffer.alloc(4);
  trailer.writeUInt32BE(11 + body.length);
  return Buffer.concat([head, body, trailer]);
}

const FLV_HEADER = Buffer.from([0x46, 0x4c, 0x56, 1, 1, 0, 0, 0, 9, 0, 0, 0, 0]);

describe('FLV to fragmented MP4', () => {
  it.each([
    ['640x360', [] as string[], '640,360'], // coded 368 lines, cropped
    ['854x480', ['-profile:v', 'high'], '854,480'], // cropped on both axes
    ['1920x1080', ['-bf', '2'], '1920,1080'], // B-frames: composition offsets
    ['320x240', ['-pix_fmt', 'yuv444p'], '320,240'], // High 4:4:4: other crop units
    ['352x288', ['-x264-params', 'cqm=jvt'], '352,288'], // scaling matrices in the SPS
  ])('%s %j: the same pictures, the SPS size, one fragment per frame', (size, x264, expected) => {
    const flv = ffmpegFlv(size, x264);
    const { init, info, fragments } = remux(flv, (i) => [1, 7, 100, 4096, 65536][i % 5]);
    expect(`${info.video?.width},${info.video?.height}`).toBe(expected);
    expect(probeSize(init)).toBe(expected);
    expect(info.mimeType).toMatch(/^video\/mp4; codecs="avc1\.[0-9a-f]{6}"$/);
    const source = frames(flv);
    expect(fragments).toHaveLength(source.length);
    expect(source.length).toBe(30);
    const mp4 = Buffer.concat([init, ...fragments.map((f) => f.bytes)]);
    expect(md5Of('remux.mp4', mp4, 'mp4')).toBe(md5Of('source.flv', flv, 'flv'));
    for (const [i, f] of fragments.entries()) {
      const run = f.info.runs[0];
      expect(run.baseDecodeTime).toBe(source[i].dtsMs);
      expect(run.startsWithSync).toBe(source[i].keyframe);
      expect(run.sampleCount).toBe(1);
    }
    expect(fragments[0].info.runs[0].startsWithSync).toBe(true);
    expect(fragments.filter((f) => f.info.runs[0].startsWithSync).length).toBeGreaterThanOrEqual(3); // -g 10 over 30 frames
  });

  it('gives each frame the interval before it as its duration (the first one 40 ms)', () => {
    const { fragments } = remux(ffmpegFlv('320x180'));
    const durations = fragments.map((f) => f.info.runs[0].duration);
    expect(durations[0]).toBe(40);
    for (let i = 1; i < fragments.length; i++) {
      expect(durations[i]).toBe(fragments[i].info.runs[0].baseDecodeTime - fragments[i - 1].info.runs[0].baseDecodeTime);
      expect([66, 67]).toContain(durations[i]); // 15 fps in milliseconds
    }
  });

  it('reads the SPS of an avcC record and refuses what is not one', () => {
    const flv = ffmpegFlv('640x360');
    let record: Buffer | null = null;
    new FlvReader({ onAvcConfig: (r) => (record = r), onVideoFrame: () => undefined }).push(flv);
    const sps = avcConfigSps(record!);
    expect(spsPictureSize(sps)).toEqual({ width: 640, height: 360 });
    expect(() => spsPictureSize(sps.subarray(0, 5))).toThrow(H264Error);
    expect(() => spsPictureSize(Buffer.from([0x68, 1, 2, 3]))).toThrow(/not a sequence parameter set/);
    expect(() => avcConfigSps(Buffer.from([1, 0x64, 0, 0x1e, 0xff, 0xe1, 0x00, 0x40, 0x67]))).toThrow(/no complete SPS/);
    expect(() => avcConfigSps(Buffer.from([0, 0, 0, 0, 0, 0, 0, 0]))).toThrow(H264Error);
  });

  it('starts a new run only for a new decoder configuration', () => {
    const flv = ffmpegFlv('320x180');
    const configTag = flv.subarray(13, 13 + 11 + flv.readUIntBE(14, 3) + 4);
    const other = ffmpegFlv('640x360');
    const otherConfig = other.subarray(13, 13 + 11 + other.readUIntBE(14, 3) + 4);
    const sizes: string[] = [];
    const m = new FlvToFmp4({ onInit: (_i, info) => sizes.push(`${info.video?.width}x${info.video?.height}`), onFragment: () => undefined });
    m.push(Buffer.concat([FLV_HEADER, configTag, configTag, otherConfig, otherConfig]));
    expect(sizes).toEqual(['320x180', '640x360']);
  });

  it('unwraps 32-bit timestamps', () => {
    const got: number[] = [];
    const reader = new FlvReader({ onAvcConfig: () => undefined, onVideoFrame: (f) => got.push(f.dtsMs) });
    const frame = Buffer.from([0x27, 1, 0, 0, 0, 0, 0, 0, 1, 0x41]);
    reader.push(Buffer.concat([FLV_HEADER, tag(9, frame, 0xffffffc0), tag(9, frame, 0xfffffff0), tag(9, frame, 0x20), tag(9, frame, 0x60)]));
    expect(got).toEqual([0xffffffc0, 0xfffffff0, 0x100000020, 0x100000060]);
  });

  it('skips audio, metadata and info frames, and reads signed composition offsets', () => {
    const got: FlvVideoFrame[] = [];
    const reader = new FlvReader({ onAvcConfig: () => undefined, onVideoFrame: (f) => got.push(f) });
    const bFrame = Buffer.from([0x27, 1, 0xff, 0xff, 0xbe, 0, 0, 0, 1, 0x01]); // cts -66
    reader.push(Buffer.concat([FLV_HEADER, tag(8, Buffer.from([0xaf, 1, 2])), tag(18, Buffer.from([2, 0, 0])), tag(9, Buffer.from([0x57, 0])), tag(9, bFrame, 100)]));
    expect(got.map((f) => [f.dtsMs, f.ctsMs, f.keyframe])).toEqual([[100, -66, false]]);
  });

  it('fails with a clear error on a stream it cannot read, never silently', () => {
    const push = (...parts: Buffer[]) => () => new FlvToFmp4({ onInit: () => undefined, onFragment: () => undefined }).push(Buffer.concat(parts));
    expect(push(Buffer.from('RIFF0000WAVEfmt '))).toThrow(/not an FLV stream/);
    const bad = tag(9, Buffer.from([0x17, 1, 0, 0, 0]));
    bad.writeUInt32BE(99, bad.length - 4);
    expect(push(FLV_HEADER, bad)).toThrow(/does not match its trailer/);
    expect(push(FLV_HEADER, tag(9, Buffer.from([0x12, 0, 0, 0, 0])))).toThrow(/codec 2 is not H.264/); // Sorenson H.263
    expect(push(FLV_HEADER, tag(9, Buffer.from([0x27, 1, 0, 0, 0, 0, 0, 0, 1, 0x41])))).toThrow(/before its decoder configuration/);
    expect(push(FLV_HEADER, tag(9, Buffer.from([0x17, 0, 0, 0, 0, 1, 0x42, 0, 0x1e, 0xff, 0xe1, 0, 2, 0x67, 0x42])))).toThrow(H264Error);
    expect(push(FLV_HEADER, tag(9, Buffer.from([0x17, 1])))).toThrow(FlvError);
    // Incomplete input is not an error: it waits for the rest.
    expect(push(FLV_HEADER.subarray(0, 5))).not.toThrow();
    expect(push(FLV_HEADER, tag(9, Buffer.from([0x17, 1, 0, 0, 0, 9])).subarray(0, 14))).not.toThrow();
  });
});
