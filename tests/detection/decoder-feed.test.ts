// The detection decoder's feed (main/engine/detection/decoder-feed.ts) on a
// real camera-like stream (ffmpeg-made: 15 fps, 1 s GOP, 250 ms fragments):
// what it hands the decoder while the picture is still and when woken, the
// virtual timeline it writes, and how output frames map back to capture
// times. The real decoder is run on the same feed in motion-ffmpeg.test.ts.
import { beforeAll, describe, expect, it } from 'vitest';
import { DecoderFeed, type DecoderFeedOptions } from '../../main/engine/detection/decoder-feed.ts';
import { parseMoof, videoRun } from '../../main/engine/mp4/fragment.ts';
import { leadingSamples, withDecodeTime } from '../../main/engine/mp4/fragment-samples.ts';
import { readBoxHeader } from '../../main/engine/mp4/boxes.ts';
import type { InitInfo } from '../../main/engine/mp4/init.ts';
import { makeClip, type Clip } from './motion-clip.ts';

let clip: Clip;
let info: InitInfo;
let timescale: number;

beforeAll(async () => {
  clip = await makeClip({ seconds: 8, motion: [], lightStepAt: null });
  info = clip.info;
  timescale = info.video!.timescale;
}, 60_000);

const isKey = (i: number) => videoRun(clip.fragments[i].info, info)!.startsWithSync;
const runOf = (bytes: Buffer) => {
  const moof = readBoxHeader(bytes, 0)!;
  return videoRun(parseMoof(bytes.subarray(0, moof.size), info), info)!;
};
const ms = (ticks: number) => (ticks * 1000) / timescale;

/** Pushes fragments [from, to) at their media end time (+ `t0` ms of wall clock); returns what went to the decoder. */
function play(feed: DecoderFeed, from: number, to: number, t0 = 100_000): { index: number; out: Buffer[] }[] {
  const result: { index: number; out: Buffer[] }[] = [];
  for (let i = from; i < to; i++) result.push({ index: i, out: feed.push(clip.fragments[i].bytes, isKey(i), t0 + clip.endsMs[i]).out });
  return result;
}

const feedOf = (o: Partial<DecoderFeedOptions> = {}) => new DecoderFeed(info, { fps: 5, keyframesWhenStill: true, warmupMs: 2000, ...o }, 100_000);

describe('fragment samples', () => {
  it('finds the leading samples of a fragment, in order, inside its mdat', () => {
    const f = clip.fragments[0];
    const samples = leadingSamples(f.bytes, info.video!.trackId, 3)!;
    expect(samples).toHaveLength(3);
    const mdat = readBoxHeader(f.bytes, f.moofLength)!;
    expect(mdat.type).toBe('mdat');
    expect(samples[0].data.byteOffset - f.bytes.byteOffset).toBe(mdat.payload);
    expect(samples[1].data.byteOffset).toBe(samples[0].data.byteOffset + samples[0].data.length);
    for (const s of samples) expect(ms(s.duration)).toBeCloseTo(1000 / 15, 0);
    // H.264 in AVCC: each sample is length-prefixed NAL units that fill it exactly.
    for (const s of samples) {
      let p = 0;
      while (p < s.data.length) p += 4 + s.data.readUInt32BE(p);
      expect(p).toBe(s.data.length);
    }
    // Asking for more than the run has gives the run.
    expect(leadingSamples(f.bytes, info.video!.trackId, 100)!.length).toBe(f.info.runs[0].sampleCount);
    // Another track: none.
    expect(leadingSamples(f.bytes, 99, 1)).toBeNull();
  });

  it('gives up (null) on data offsets it cannot resolve inside the fragment', () => {
    const f = Buffer.from(clip.fragments[0].bytes);
    // Set tfhd's base-data-offset flag: offsets are then absolute file positions.
    const moof = readBoxHeader(f, 0)!;
    const traf = readBoxHeader(f, moof.payload + 16)!; // after mfhd (16 bytes)
    expect(traf.type).toBe('traf');
    const tfhd = readBoxHeader(f, traf.payload)!;
    expect(tfhd.type).toBe('tfhd');
    f.writeUInt32BE(f.readUInt32BE(tfhd.payload) | 0x01, tfhd.payload);
    expect(leadingSamples(f, info.video!.trackId, 1)).toBeNull();
  });

  it('rewrites a fragment’s decode time in a copy', () => {
    const f = clip.fragments[5].bytes;
    const run = runOf(f);
    const moved = withDecodeTime(f, run, 1234);
    expect(runOf(moved).baseDecodeTime).toBe(1234);
    expect(runOf(f).baseDecodeTime).toBe(run.baseDecodeTime); // the original is untouched
    expect(moved.subarray(readBoxHeader(f, 0)!.size).equals(f.subarray(readBoxHeader(f, 0)!.size))).toBe(true);
    expect(() => withDecodeTime(f, run, -1)).toThrow(RangeError);
  });
});

describe('decoder feed', () => {
  it('passes every fragment on unchanged when keyframes-when-still is off', () => {
    const feed = feedOf({ keyframesWhenStill: false });
    for (const { index, out } of play(feed, 0, clip.fragments.length)) expect(out).toEqual([clip.fragments[index].bytes]);
    expect(feed.stats()).toMatchObject({ mode: 'every-frame', stillKeyframes: 0, stillFragments: 0 });
  });

  it('decodes every frame while warming up, then only one keyframe a second, each with two frames to push it out', () => {
    const feed = feedOf();
    const fed = play(feed, 0, clip.fragments.length);
    const warm = fed.filter((f) => clip.endsMs[f.index] <= 2000);
    for (const { index, out } of warm) expect(out).toEqual([clip.fragments[index].bytes]);
    const still = fed.filter((f) => clip.fragments[f.index] && clip.endsMs[f.index] > 2250);
    for (const { index, out } of still) {
      if (!isKey(index)) {
        expect(out).toEqual([]);
        continue;
      }
      // The keyframe alone, then the two samples after it: three one-sample fragments.
      expect(out).toHaveLength(3);
      const samples = leadingSamples(clip.fragments[index].bytes, info.video!.trackId, 3)!;
      out.forEach((b, i) => {
        const run = runOf(b);
        expect(run.sampleCount).toBe(1);
        expect(run.startsWithSync).toBe(i === 0);
        expect(b.subarray(b.length - samples[i].data.length).equals(samples[i].data)).toBe(true);
      });
    }
    const keys = still.filter((f) => isKey(f.index)).length;
    expect(keys).toBeGreaterThanOrEqual(4);
    expect(feed.stats()).toMatchObject({ mode: 'keyframes', stillKeyframes: keys, wakes: 0 });
    expect(feed.stats().stillFragments).toBe(still.length - keys);
  });

  it('writes one unbroken virtual timeline: each piece starts where the last ended', () => {
    const feed = feedOf();
    let end: number | null = null;
    let now = 100_000;
    for (let i = 0; i < clip.fragments.length; i++) {
      now = 100_000 + clip.endsMs[i];
      // Something moves from 4.3 s to 5.3 s.
      if (clip.endsMs[i] > 4300 && clip.endsMs[i] < 5300) feed.wake(now, 1000);
      for (const b of feed.push(clip.fragments[i].bytes, isKey(i), now).out) {
        const run = runOf(b);
        if (end !== null) expect(run.baseDecodeTime).toBe(end);
        end = run.baseDecodeTime + run.duration;
      }
    }
    // The virtual timeline ran behind the camera's: still seconds took 3 periods (600 ms) each.
    expect(ms(end!)).toBeLessThan(clip.endsMs.at(-1)! - 500);
  });

  it('on waking mid-GOP, catches up from that GOP’s keyframe; output frames map back to capture times', () => {
    const feed = feedOf();
    const out: Buffer[] = [];
    let wokeAt = -1;
    for (let i = 0; i < clip.fragments.length; i++) {
      const now = 100_000 + clip.endsMs[i];
      // Motion is seen on the keyframe at 4 s: the pipeline wakes the source when that frame comes out,
      // before the GOP's second fragment (4.27–4.53 s: fragments of 4 frames at 15 fps) comes in.
      if (wokeAt < 0 && clip.endsMs[i] > 4300) {
        feed.wake(now, 1500);
        wokeAt = i;
      }
      out.push(...feed.push(clip.fragments[i].bytes, isKey(i), now).out);
    }
    expect(feed.stats().wakes).toBe(1);
    // The fragment that woke it is the GOP's second: its keyframe's fragment (4.0–4.27 s) went in again.
    const gopStart = clip.fragments.findIndex((_, i) => isKey(i) && clip.endsMs[i] > 4000);
    const catchUp = out.findIndex((b) => runOf(b).sampleCount > 1 && runOf(b).duration === runOf(clip.fragments[gopStart].bytes).duration && b.subarray(readBoxHeader(b, 0)!.size).equals(clip.fragments[gopStart].bytes.subarray(clip.fragments[gopStart].moofLength)));
    expect(catchUp).toBeGreaterThan(0);

    // Simulate ffmpeg's fps filter on what was fed: output n is the latest input frame whose time rounds to ≤ n.
    const period = timescale / 5;
    const inputs: { t: number }[] = [];
    for (const b of out) {
      const run = runOf(b);
      for (let k = 0; k < run.sampleCount; k++) inputs.push({ t: run.baseDecodeTime + (k * run.duration) / run.sampleCount });
    }
    const first = Math.round(inputs[0].t / period);
    const last = Math.round(inputs.at(-1)!.t / period);
    const times: number[] = [];
    let copies = 0;
    for (let n = first; n <= last; n++) {
      const t = feed.frameMediaTime(n - first)!;
      // What the frame source does: a frame whose time is not after the last delivered one's is a copy (push-out frames, the catch-up's keyframe).
      if (times.length && t <= times.at(-1)!) copies++;
      else times.push(t);
    }
    // Two push-out frames per still keyframe, and the keyframe the catch-up fed again.
    expect(copies).toBe(2 * feed.stats().stillKeyframes + 1);
    // Delivered frames are 200 ms apart while every frame is decoded and on the keyframes (whole seconds) while still.
    const stillTimes = times.filter((t) => t > 2300 && t < 3900);
    expect(stillTimes.length).toBeGreaterThanOrEqual(1);
    for (const t of stillTimes) expect(t % 1000).toBeCloseTo(0, 0);
    const awake = times.filter((t) => t >= 4000 && t < 5500);
    expect(awake.length).toBeGreaterThanOrEqual(7); // 4.0 … 5.4 s at 5 fps
    for (let i = 1; i < awake.length; i++) expect(awake[i] - awake[i - 1]).toBeCloseTo(200, -1);
  });

  it('a picture sequence broken by the decoder falling behind is not caught up: every-frame decoding waits for the next keyframe', () => {
    const feed = feedOf();
    const firstStillKey = clip.fragments.findIndex((_, i) => isKey(i) && clip.endsMs[i] > 3000);
    play(feed, 0, firstStillKey + 1);
    feed.lost();
    feed.wake(100_000 + clip.endsMs[firstStillKey + 1], 5000);
    expect(feed.push(clip.fragments[firstStillKey + 1].bytes, false, 100_000 + clip.endsMs[firstStillKey + 1]).out).toEqual([]);
    const nextKey = clip.fragments.findIndex((_, i) => i > firstStillKey && isKey(i));
    play(feed, firstStillKey + 2, nextKey);
    const resumed = feed.push(clip.fragments[nextKey].bytes, true, 100_000 + clip.endsMs[nextKey]).out;
    expect(resumed).toHaveLength(1);
    expect(runOf(resumed[0]).sampleCount).toBe(clip.fragments[nextKey].info.runs[0].sampleCount);
    expect(feed.stats().mode).toBe('every-frame');
  });

  it('keeps decoding every frame when keyframes are further apart than it allows', () => {
    const feed = feedOf({ maxKeyframeIntervalMs: 500 }); // this clip's keyframes are 1 s apart
    for (const { index, out } of play(feed, 0, clip.fragments.length)) expect(out).toEqual([clip.fragments[index].bytes]);
    expect(feed.stats().stillKeyframes).toBe(0);
  });

  it('keeps decoding every frame when fragments cannot be cut', () => {
    const feed = feedOf({ warmupMs: 0 });
    const cut = clip.fragments.map((f) => {
      const b = Buffer.from(f.bytes);
      const moof = readBoxHeader(b, 0)!;
      const traf = readBoxHeader(b, moof.payload + 16)!;
      const tfhd = readBoxHeader(b, traf.payload)!;
      b.writeUInt32BE(b.readUInt32BE(tfhd.payload) | 0x01, tfhd.payload); // absolute offsets (and 8 bytes the parser now skips)
      return b;
    });
    // The flagged tfhd no longer parses the same way; whatever it reads, every fragment must reach the decoder.
    const out = cut.map((b, i) => feed.push(b, isKey(i), 100_000 + clip.endsMs[i]).out);
    expect(out.every((o) => o.length === 1)).toBe(true);
    expect(feed.stats().stillKeyframes).toBe(0);
  });

  it('without a readable init, passes fragments on and knows no frame times', () => {
    const feed = new DecoderFeed(null, { fps: 5, keyframesWhenStill: true, warmupMs: 0 }, 0);
    expect(feed.push(clip.fragments[0].bytes, true, 1000).out).toEqual([clip.fragments[0].bytes]);
    expect(feed.frameMediaTime(0)).toBeNull();
  });
});
