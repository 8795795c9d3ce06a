// The copy export's writer on its own, against real fragmented MP4 files made
// with ffmpeg (video + audio, 250 ms fragments, a keyframe every second):
//  - the output is the init, then exactly the chosen fragments' bytes, each
//    mdat verbatim and each moof changed only in its tfdt, whose values run
//    on without a gap from one segment to the next (checked by parsing the
//    output, not by repeating the writer's arithmetic);
//  - the reported SHA-256 and size are the file's; a source not hashed yet is
//    hashed whole (its init and unchosen fragments included), a known hash is
//    quoted and only the chosen fragments are read;
//  - the same bytes whatever the window size (fragments and tfdt fields that
//    straddle windows) and whether written with O_DIRECT or the page cache;
//  - ffprobe reads the file with the expected duration.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { indexSegment, type SegmentIndex } from '../../main/engine/mp4/fragment-index.ts';
import { parseMoof } from '../../main/engine/mp4/fragment.ts';
import { pickFragments, planOutputs, type OutputPlan, type SegmentPick } from '../../main/engine/export/plan.ts';
import { writeConcatenated, type WriteOptions } from '../../main/engine/export/concat-writer.ts';
import type { FileReader } from '../../main/engine/storage/disk.ts';
import type { SegmentRow } from '../../main/engine/storage/store.ts';

const SEGMENT_MS = 4000;
let dir: string;
const files: string[] = [];
const indexes: SegmentIndex[] = [];
const rows: SegmentRow[] = [];
const T0 = Date.UTC(2026, 10, 1, 12);

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Three 4 s segments of one moving picture (with sound), cut by ffmpeg's segment muxer as a recorder does. */
function makeSegments(into: string): string[] {
  execFileSync('ffmpeg', [
    '-hide_banner', '-nostdin', '-v', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc2=size=320x240:rate=25:d=${(3 * SEGMENT_MS) / 1000}`,
    '-f', 'lavfi', '-i', `sine=frequency=440:duration=${(3 * SEGMENT_MS) / 1000}`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-bf', '0', '-g', '25', '-keyint_min', '25', '-sc_threshold', '0',
    '-c:a', 'aac', '-shortest',
    '-f', 'segment', '-segment_time', String(SEGMENT_MS / 1000), '-segment_format', 'mp4',
    '-segment_format_options', 'movflags=+frag_keyframe+empty_moov+default_base_moof:frag_duration=250000',
    '-reset_timestamps', '1', join(into, 'seg-%d.mp4'),
  ]);
  return [0, 1, 2].map((i) => join(into, `seg-${i}.mp4`));
}

async function indexOf(file: string): Promise<SegmentIndex> {
  const bytes = readFileSync(file);
  return indexSegment(async (position, n) => bytes.subarray(position, position + n), bytes.length);
}

/** Opens sources like the storage module does, counting the bytes read. */
function sourceOpener(counter: { bytes: number }): WriteOptions['openSource'] {
  return async (pick: SegmentPick): Promise<FileReader> => {
    const fh = await open(pick.segment.file, 'r');
    return {
      read: async (buffer, offset, length, position) => {
        const { bytesRead } = await fh.read(buffer, offset, length, position);
        counter.bytes += bytesRead;
        return bytesRead;
      },
      close: () => fh.close(),
    };
  };
}

function planFor(from: number, to: number): OutputPlan {
  const picks = rows.map((row, i) => pickFragments(row, indexes[i], from, to)).filter((p): p is SegmentPick => p !== null);
  const plans = planOutputs(picks);
  expect(plans).toHaveLength(1);
  return plans[0];
}

/** Top-level boxes of an MP4 file: [type, start, size]. */
function boxes(buf: Buffer): [string, number, number][] {
  const out: [string, number, number][] = [];
  for (let at = 0; at < buf.length; ) {
    const size = buf.readUInt32BE(at);
    out.push([buf.toString('latin1', at + 4, at + 8), at, size]);
    at += size;
  }
  return out;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kw-concat-'));
  for (const [i, file] of makeSegments(dir).entries()) {
    files.push(file);
    const index = await indexOf(file);
    indexes.push(index);
    const start = T0 + i * SEGMENT_MS;
    rows.push({ id: i + 1, cameraId: 1, streamId: 1, runId: 1, seq: i + 1, start, end: start + index.durationMs, bytes: index.fileSize, codec: 'h264', width: 320, height: 240, file, recovered: false });
  }
}, 60_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('copy export writer', () => {
  it('writes the init and exactly the chosen fragments, tfdt continuous, mdat verbatim; hashes right', async () => {
    // From inside the first segment (past its second keyframe) to inside the last.
    const from = T0 + 1500;
    const to = T0 + 2 * SEGMENT_MS + 1200;
    const plan = planFor(from, to);
    const picks = plan.pieces.flatMap((p) => p.picks);
    expect(picks).toHaveLength(3);
    const out = join(dir, 'out-1.mp4');
    const counter = { bytes: 0 };
    const result = await writeConcatenated(plan, out, { openSource: sourceOpener(counter), knownSourceHash: async () => null });
    const bytes = readFileSync(out);
    expect(result.bytes).toBe(bytes.length);
    expect(result.sha256).toBe(sha(bytes));
    // Sources not hashed yet: hashed whole, as recorded.
    for (const s of result.sources) {
      expect(s.fresh).toBe(true);
      expect(s.sha256).toBe(sha(readFileSync(files[s.segmentId - 1])));
      expect(s.bytes).toBe(indexes[s.segmentId - 1].fileSize);
    }

    // The expected bytes, fragment by fragment, from the sources.
    const top = boxes(bytes);
    const moovEnd = top.findIndex(([type]) => type === 'moov') + 1;
    let at = top[moovEnd - 1][1] + top[moovEnd - 1][2];
    const videoTrack = indexes[0].info.video!.trackId;
    let nextVideoTime = 0;
    let fragmentsSeen = 0;
    let videoFragments = 0;
    for (const pick of picks) {
      const src = readFileSync(pick.segment.file);
      for (let i = pick.first; i <= pick.last; i++) {
        const f = pick.index.fragments[i];
        const moofOut = bytes.subarray(at, at + f.moofSize);
        const moofSrc = src.subarray(f.offset, f.offset + f.moofSize);
        // mdat verbatim.
        expect(bytes.subarray(at + f.moofSize, at + f.size).equals(src.subarray(f.offset + f.moofSize, f.offset + f.size))).toBe(true);
        // The moof differs only in its tfdt values.
        const runsOut = parseMoof(moofOut, pick.index.info).runs;
        const runsSrc = parseMoof(moofSrc, pick.index.info).runs;
        const masked = (m: Buffer, runs: typeof runsOut) => {
          const c = Buffer.from(m);
          for (const r of runs) c.fill(0, r.tfdtOffset + 12, r.tfdtOffset + 12 + (r.tfdtVersion === 1 ? 8 : 4));
          return c;
        };
        expect(masked(moofOut, runsOut).equals(masked(moofSrc, runsSrc))).toBe(true);
        // Video decode times run on with no gap and no overlap.
        const video = runsOut.find((r) => r.trackId === videoTrack);
        if (video) {
          expect(video.baseDecodeTime).toBe(nextVideoTime);
          nextVideoTime += video.duration;
          videoFragments++;
        }
        at += f.size;
        fragmentsSeen++;
      }
    }
    expect(at).toBe(bytes.length);
    expect(videoFragments).toBeGreaterThan(8);
    expect(result.durationMs).toBe(Math.round((nextVideoTime * 1000) / indexes[0].videoTimescale));
    const probed = Number(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', out], { encoding: 'utf8' }).trim()) * 1000;
    expect(Math.abs(probed - result.durationMs)).toBeLessThanOrEqual(80);
  }, 60_000);

  it('quotes a known source hash and reads only the chosen fragments', async () => {
    const plan = planFor(T0 + 1500, T0 + 2 * SEGMENT_MS + 1200);
    const picks = plan.pieces.flatMap((p) => p.picks);
    const counter = { bytes: 0 };
    const progress: number[] = [];
    const result = await writeConcatenated(plan, join(dir, 'out-2.mp4'), {
      openSource: sourceOpener(counter),
      knownSourceHash: async (pick) => `known-${pick.segment.id}`,
      onProgress: (n) => progress.push(n),
    });
    expect(result.sources.map((s) => [s.sha256, s.fresh])).toEqual(picks.map((p) => [`known-${p.segment.id}`, false]));
    const chosen = picks.reduce((n, p) => n + p.index.fragments.slice(p.first, p.last + 1).reduce((m, f) => m + f.size, 0), 0);
    expect(counter.bytes).toBe(chosen);
    // Progress still adds up to the sources' whole size (what the job's bar counts).
    expect(progress.reduce((a, b) => a + b, 0)).toBe(plan.sourceBytes);
    expect(readFileSync(join(dir, 'out-2.mp4')).equals(readFileSync(join(dir, 'out-1.mp4')))).toBe(true);
  }, 60_000);

  it('the same bytes with any window size, with and without O_DIRECT', async () => {
    const plan = planFor(T0, T0 + 3 * SEGMENT_MS);
    const results: { sha: string; file: Buffer }[] = [];
    for (const [k, opts] of [{}, { batchBytes: 64 * 1024 }, { batchBytes: 64 * 1024, direct: false }, { batchBytes: 192 * 1024, direct: false }].entries()) {
      const out = join(dir, `out-w${k}.mp4`);
      const r = await writeConcatenated(plan, out, { openSource: sourceOpener({ bytes: 0 }), knownSourceHash: async () => null, ...opts });
      const file = readFileSync(out);
      expect(r.sha256).toBe(sha(file));
      expect(r.bytes).toBe(file.length);
      results.push({ sha: r.sha256, file });
    }
    // 64 KiB windows: fragments (and some tfdt fields, in some files) straddle windows.
    expect(results[0].file.length).toBeGreaterThan(4 * 64 * 1024);
    for (const r of results.slice(1)) expect(r.file.equals(results[0].file)).toBe(true);
  }, 60_000);

  it('a cancelled write stops and leaves its file to the caller (the job removes its folder)', async () => {
    const plan = planFor(T0, T0 + 3 * SEGMENT_MS);
    const abort = new AbortController();
    const out = join(dir, 'out-cancel.mp4');
    const written = writeConcatenated(plan, out, {
      openSource: sourceOpener({ bytes: 0 }),
      knownSourceHash: async () => null,
      batchBytes: 64 * 1024,
      signal: abort.signal,
      onProgress: () => abort.abort(),
    });
    await expect(written).rejects.toThrow(/cancelled/);
  }, 60_000);
});
