// The player places each run's first frame at its play head (no seek before
// the first frame): it reads when a fragment's media starts from its boxes.
// Checked against ffprobe on files ffmpeg fragmented like the live streams.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fragmentStart, trackTimes } from '../../renderer/src/live/media-time.ts';
import { encodeFragmentedSample } from '../helpers/fragmented-sample.ts';
import { splitFragmented } from '../recording/fake-ffmpeg.ts';
import { tempDir } from '../helpers/tmp.ts';

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => {
  tmp = tempDir('kw-media-time-');
});
afterAll(() => tmp.cleanup());

const bytes = (b: Buffer): ArrayBuffer => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;

/** ffprobe's presentation time (s) of each keyframe packet, in file order. */
function keyframeTimes(file: string): number[] {
  const out = execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts_time,flags', '-of', 'csv=p=0', file], { encoding: 'utf8' });
  return out
    .trim()
    .split('\n')
    .map((l) => l.split(','))
    .filter(([, flags]) => flags?.startsWith('K'))
    .map(([pts]) => Number(pts));
}

/** Sets the tfdt of every traf in `fragment` whose track is not `keepTrack` (test surgery on a real fragment). */
function setOtherTracksDecodeTime(fragment: Buffer, keepTrack: number, value: number): void {
  const boxes = (from: number, end: number) => {
    const out: { type: string; body: number; end: number }[] = [];
    for (let at = from; at + 8 <= end; at += fragment.readUInt32BE(at)) out.push({ type: fragment.toString('latin1', at + 4, at + 8), body: at + 8, end: at + fragment.readUInt32BE(at) });
    return out;
  };
  const moof = boxes(0, fragment.length).find((b) => b.type === 'moof')!;
  for (const traf of boxes(moof.body, moof.end).filter((b) => b.type === 'traf')) {
    const inner = boxes(traf.body, traf.end);
    const tfhd = inner.find((b) => b.type === 'tfhd')!;
    const tfdt = inner.find((b) => b.type === 'tfdt')!;
    if (fragment.readUInt32BE(tfhd.body + 4) === keepTrack) continue;
    if (fragment[tfdt.body] === 1) fragment.writeBigUInt64BE(BigInt(value), tfdt.body + 4);
    else fragment.writeUInt32BE(value, tfdt.body + 4);
  }
}

describe('media time of fragmented MP4', () => {
  it("reads the track's timescale and each fragment's first frame time, as ffprobe does", () => {
    const file = join(tmp.dir, 'plain.mp4');
    const { init, fragments } = splitFragmented(encodeFragmentedSample(file, { seconds: 3, gop: 10 }));
    const scales = trackTimes(bytes(init));
    expect([...scales.keys()]).toEqual([1]);
    expect(scales.get(1)).toMatchObject({ video: true });
    expect(scales.get(1)!.timescale).toBeGreaterThan(0);
    const starts = fragments.map((f) => fragmentStart(bytes(f), scales));
    expect(starts[0]).toBe(0);
    for (let i = 1; i < starts.length; i++) expect(starts[i]!).toBeGreaterThan(starts[i - 1]!);
    // Fragments are cut at keyframes (and every 250 ms): each keyframe starts one.
    for (const key of keyframeTimes(file)) expect(starts.some((s) => Math.abs(s! - key) < 1e-6)).toBe(true);
  });

  it("counts the first sample's composition offset (B-frames: presented after it is decoded)", () => {
    const file = join(tmp.dir, 'bframes.mp4');
    execFileSync('ffmpeg', [
      '-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=s=160x90:r=20', '-t', '2', '-c:v', 'libx264', '-preset', 'fast', '-bf', '2', '-g', '20',
      // No edit list: ffprobe's times are then the file's own (decode time + composition offset).
      '-use_editlist', '0', '-f', 'mp4', '-movflags', '+frag_keyframe+empty_moov+default_base_moof', file,
    ]);
    const { init, fragments } = splitFragmented(readFileSync(file));
    const scales = trackTimes(bytes(init));
    const keys = keyframeTimes(file);
    expect(keys[0]).toBeGreaterThan(0); // the composition offset is there to be read
    expect(fragmentStart(bytes(fragments[0]), scales)).toBeCloseTo(keys[0], 6);
    expect(fragmentStart(bytes(fragments[1]), scales)).toBeCloseTo(keys[1], 6);
  });

  it('goes by the video when audio starts earlier (a main stream with sound): the keyframe is what must land at the play head', () => {
    const file = join(tmp.dir, 'with-audio.mp4');
    execFileSync('ffmpeg', [
      '-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=s=160x90:r=20', '-f', 'lavfi', '-i', 'sine=f=440:r=8000', '-t', '2', '-map', '0:v', '-map', '1:a',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '20', '-c:a', 'aac', '-b:a', '32k', '-f', 'mp4', '-movflags', '+frag_keyframe+empty_moov+default_base_moof', file,
    ]);
    const { init, fragments } = splitFragmented(readFileSync(file));
    const tracks = trackTimes(bytes(init));
    expect([...tracks.values()].map((t) => t.video).sort()).toEqual([false, true]);
    const [videoId] = [...tracks].find(([, t]) => t.video)!;
    // The second GOP's fragment, its audio made to start at 0, well before its keyframe.
    const key = keyframeTimes(file)[1];
    const fragment = Buffer.from(fragments.find((f) => Math.abs(fragmentStart(bytes(f), tracks)! - key) < 1e-6)!);
    setOtherTracksDecodeTime(fragment, videoId, 0);
    expect(fragmentStart(bytes(fragment), tracks)).toBeCloseTo(key, 6);
    // Without the video track known, the earliest track counts: the audio's.
    expect(fragmentStart(bytes(fragment), new Map([...tracks].filter(([, t]) => !t.video)))).toBe(0);
  });

  it('answers "cannot tell" for what is not a fragment of a known track, and never throws', () => {
    const { init, fragments } = splitFragmented(encodeFragmentedSample(join(tmp.dir, 'bad.mp4'), { seconds: 1, gop: 10 }));
    const scales = trackTimes(bytes(init));
    expect(fragmentStart(bytes(init), scales)).toBeNull(); // no moof
    expect(fragmentStart(bytes(fragments[0]), new Map())).toBeNull(); // track not in the init
    expect(trackTimes(bytes(fragments[0])).size).toBe(0); // no moov
    expect(trackTimes(new ArrayBuffer(0)).size).toBe(0);
    // Every truncation of the init and of a fragment, and a header that claims more than there is.
    for (let n = 0; n < init.length; n += 7) expect(() => trackTimes(bytes(init.subarray(0, n)))).not.toThrow();
    for (let n = 0; n < 200; n++) {
      const start = fragmentStart(bytes(fragments[0].subarray(0, n)), scales);
      expect(start === null || start === 0).toBe(true);
    }
    // Full boxes too short for their version and flags, the last bytes of the data.
    const box = (type: string, ...body: Buffer[]) => {
      const content = Buffer.concat(body);
      const head = Buffer.alloc(8);
      head.writeUInt32BE(8 + content.length, 0);
      head.write(type, 4, 'latin1');
      return Buffer.concat([head, content]);
    };
    const tfhd = box('tfhd', Buffer.from([0, 0, 0, 0, 0, 0, 0, 1]));
    expect(fragmentStart(bytes(box('moof', box('traf', tfhd, box('trun'), box('tfdt')))), scales)).toBeNull();
    expect(trackTimes(bytes(box('moov', box('trak', box('tkhd'), box('mdia', box('mdhd')))))).size).toBe(0);
    const lying = Buffer.from(fragments[0]);
    lying.writeUInt32BE(0xfffffff0, 0);
    expect(fragmentStart(bytes(lying), scales)).toBeNull();
  });
});
