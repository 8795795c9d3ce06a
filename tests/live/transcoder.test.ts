// The on-demand H.264 transcode of an H.265-only camera, with real ffmpeg:
// fed from the hub's fragments (no camera connection), running only while
// watched, restarted on a camera reconnect; its first frame is the camera's
// picture (decoded and compared), not the grey of a decoder started mid-GOP.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveHub } from '../../main/engine/live/live-hub.ts';
import { isKeyframe, type DropReason, type LiveViewer, type StreamDescription } from '../../main/engine/live/live-stream.ts';
import { Mp4StreamReader, type Fragment } from '../../main/engine/mp4/stream-reader.ts';
import type { InitInfo } from '../../main/engine/mp4/init.ts';
import { FakeCatalog, log } from './fakes.ts';

/** 3 s of 320x180 H.265 at 15 fps as ffmpeg's recorder would emit it (fMP4, 250 ms fragments). */
async function hevcStream(fragmentUs = 250_000): Promise<{ init: Buffer; info: InitInfo; fragments: Fragment[] }> {
  const args = [
    '-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=15', '-t', '3',
    '-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'keyint=15:min-keyint=15:bframes=0:log-level=error', '-tag:v', 'hvc1',
    '-f', 'mp4', '-movflags', '+frag_keyframe+empty_moov+default_base_moof', '-frag_duration', String(fragmentUs), 'pipe:1',
  ];
  const proc = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let init: Buffer | null = null;
  let info: InitInfo | null = null;
  const fragments: Fragment[] = [];
  const reader = new Mp4StreamReader({
    onInit: (i, inf) => ((init = i), (info = inf)),
    onFragment: (f) => fragments.push(f),
  });
  proc.stdout.on('data', (d: Buffer) => reader.push(d));
  await new Promise((r) => proc.on('close', r));
  return { init: init!, info: info!, fragments };
}

/** The first decoded frame of an MP4 (init + fragments) as 8-bit luma, or an empty buffer when nothing decodes. */
function firstLuma(mp4: Buffer): Buffer {
  const out = spawnSync('ffmpeg', ['-v', 'error', '-f', 'mp4', '-i', 'pipe:0', '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1'], { input: mp4, maxBuffer: 1 << 24 });
  return out.stdout ?? Buffer.alloc(0);
}

/** Mean absolute difference of two luma pictures of the same size (0 = identical, grey vs testsrc2 ≈ 55). */
function lumaDistance(a: Buffer, b: Buffer): number {
  expect(a.length).toBe(b.length);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

/** Standard deviation of a luma picture: testsrc2 ≈ 67, a decoder's grey ≈ 10. */
function lumaSpread(a: Buffer): number {
  let mean = 0;
  for (const v of a) mean += v;
  mean /= a.length;
  let sq = 0;
  for (const v of a) sq += (v - mean) ** 2;
  return Math.sqrt(sq / a.length);
}

class CollectingViewer implements LiveViewer {
  readonly descriptions: StreamDescription[] = [];
  readonly chunks: Buffer[] = [];
  /** What each run (init and the fragments after it) brought. */
  readonly runs: Buffer[][] = [];
  events: string[] = [];
  backlog() {
    return 0;
  }
  init(d: StreamDescription, init: Buffer) {
    this.descriptions.push(d);
    this.chunks.push(init);
    this.runs.push([init]);
    this.events.push('init');
  }
  fragment(bytes: Buffer) {
    this.chunks.push(bytes);
    this.runs.at(-1)?.push(bytes);
    this.events.push('fragment');
  }
  offline() {
    this.events.push('offline');
  }
  drop(reason: DropReason) {
    this.events.push(`drop:${reason}`);
  }
}

const alive = (pid: number | undefined) => {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('H.265 live transcode', () => {
  let source: Awaited<ReturnType<typeof hevcStream>>;
  let dir: string;
  let hub: LiveHub;

  beforeAll(async () => {
    source = await hevcStream();
    dir = mkdtempSync(join(tmpdir(), 'kw-transcode-'));
  }, 60_000);
  afterAll(() => {
    hub?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Replays the H.265 run into the hub at real-time pace, as a recorder would (`newRun`: it starts with the init). */
  async function play(cameraId: number, fragments: Fragment[], newRun = true): Promise<void> {
    if (newRun) hub.onInit(cameraId, 'main', source.init, source.info);
    for (const f of fragments) {
      hub.onFragment(cameraId, 'main', f);
      await new Promise((r) => setTimeout(r, 100)); // faster than real time: ffmpeg must keep up anyway
    }
  }

  it('runs only while watched and turns H.265 into playable H.264', async () => {
    expect(source.info.video?.fourcc).toBe('hvc1');
    const catalog = new FakeCatalog();
    catalog.cameras.set(7, [{ kind: 'main', codec: 'h265' }]);
    hub = new LiveHub({ catalog, ffmpegPath: () => 'ffmpeg', log }, { transcodeLingerMs: 300 });

    // Unwatched: the camera's fragments flow, and no transcoder runs. Six
    // fragments of 250 ms with a keyframe every second: the GOP cache now
    // holds fragments 4 and 5, so the viewer joins mid-run at that keyframe.
    const keyframes = source.fragments.map((f, i) => (isKeyframe(f, source.info) ? i : -1)).filter((i) => i >= 0);
    expect(keyframes.slice(0, 2)).toEqual([0, 4]);
    await play(7, source.fragments.slice(0, 6));
    expect(Object.keys(hub.stats().transcodes)).toEqual([]);

    const viewer = new CollectingViewer();
    const sub = hub.subscribe(7, 'main', viewer)!;
    expect(sub.plan).toMatchObject({ source: 'main', transcode: true });
    const pid = hub.stats().transcodes['7/main']?.pid;
    expect(alive(pid)).toBe(true);
    await play(7, source.fragments.slice(6), false);
    await until(() => viewer.events.filter((e) => e === 'fragment').length >= 4, 15_000, 'transcoded fragments');

    // The first frame the viewer gets is the camera's picture at the GOP's
    // keyframe (fragment 4), not grey: the decoder started at that keyframe.
    const joinedAt = firstLuma(Buffer.concat([source.init, ...source.fragments.slice(4).map((f) => f.bytes)]));
    const firstShown = firstLuma(Buffer.concat(viewer.runs[0]));
    expect(joinedAt.length).toBe(320 * 180);
    expect(lumaSpread(firstShown)).toBeGreaterThan(40);
    expect(lumaDistance(firstShown, joinedAt)).toBeLessThan(8);

    expect(viewer.descriptions[0]).toMatchObject({ codec: 'h264', stream: 'main', transcoded: true, width: 320, height: 180 });
    expect(viewer.descriptions[0].mimeType).toMatch(/avc1\.[0-9a-f]{6}/);
    const file = join(dir, 'out.mp4');
    writeFileSync(file, Buffer.concat(viewer.chunks));
    const probe = spawnSync('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,nb_read_frames', '-of', 'csv=p=0', file], { encoding: 'utf8' });
    const [codec, frames] = probe.stdout.trim().split(',');
    expect(codec).toBe('h264');
    expect(Number(frames)).toBeGreaterThan(10);

    // Camera reconnects: a new run restarts the transcode, the viewer gets a new init.
    hub.onEnd(7, 'main');
    await until(() => viewer.events.includes('offline'), 5000, 'offline');
    const before = viewer.events.filter((e) => e === 'init').length;
    await play(7, source.fragments.slice(0, 8));
    await until(() => viewer.events.filter((e) => e === 'init').length > before, 15_000, 'a new init after the reconnect');
    // The restarted transcode also starts with a real picture: the new run's first keyframe.
    await until(() => (viewer.runs.at(-1)?.length ?? 0) >= 2, 15_000, 'the new run\'s first transcoded fragment');
    const restartedAt = firstLuma(Buffer.concat([source.init, ...source.fragments.slice(0, 8).map((f) => f.bytes)]));
    const firstAfterRestart = firstLuma(Buffer.concat(viewer.runs.at(-1)!));
    expect(lumaSpread(firstAfterRestart)).toBeGreaterThan(40);
    expect(lumaDistance(firstAfterRestart, restartedAt)).toBeLessThan(8);
    // Same source init, same arguments: the restarted transcode announced the
    // remembered output init at once, and ffmpeg's own was byte for byte the
    // same (else it would have been announced as one more run).
    expect(viewer.events.filter((e) => e === 'init').length).toBe(before + 1);
    expect(viewer.runs.at(-1)![0].equals(viewer.runs[0][0])).toBe(true);

    // Last viewer leaves: the transcoder stops after the linger time.
    const pid2 = hub.stats().transcodes['7/main']?.pid;
    sub.close();
    await until(() => !hub.stats().transcodes['7/main'] && !alive(pid2) && !alive(pid), 5000, 'the transcoder to stop');
  }, 60_000);

  it('gives its first frame from the keyframe alone, before any more input', async () => {
    // One frame per fragment, as a live-only stream sends them. A frame-threaded
    // decoder held two frames back and ffmpeg's MP4 muxer one (it closes a
    // fragment when the next frame arrives): the first picture came only with
    // the fourth input frame (267 ms at 15 fps). With one decoder thread and
    // FLV out, the keyframe alone makes a picture.
    const perFrame = await hevcStream(1000);
    const catalog = new FakeCatalog();
    catalog.cameras.set(8, [{ kind: 'main', codec: 'h265' }]);
    const quick = new LiveHub({ catalog, ffmpegPath: () => 'ffmpeg', log }, { transcodeLingerMs: 300, spareTranscoder: false });
    try {
      const keyAt = 0;
      expect(isKeyframe(perFrame.fragments[keyAt], perFrame.info)).toBe(true);
      quick.onInit(8, 'main', perFrame.init, perFrame.info);
      const viewer = new CollectingViewer();
      quick.subscribe(8, 'main', viewer);
      quick.onFragment(8, 'main', perFrame.fragments[keyAt]);
      await until(() => viewer.events.includes('fragment'), 15_000, 'the first transcoded frame from the keyframe alone');
      const source = firstLuma(Buffer.concat([perFrame.init, perFrame.fragments[keyAt].bytes]));
      const shown = firstLuma(Buffer.concat(viewer.runs[0]));
      expect(lumaSpread(shown)).toBeGreaterThan(40);
      expect(lumaDistance(shown, source)).toBeLessThan(8);
      // The next input frame makes exactly the next fragment: nothing held back.
      quick.onFragment(8, 'main', perFrame.fragments[keyAt + 1]);
      await until(() => viewer.events.filter((e) => e === 'fragment').length === 2, 15_000, 'the second transcoded frame');
    } finally {
      quick.stop();
    }
  }, 60_000);
});
