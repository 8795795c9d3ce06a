// The on-demand H.264 transcode of an H.265-only camera, with real ffmpeg:
// fed from the hub's fragments (no camera connection), running only while
// watched, restarted on a camera reconnect.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveHub } from '../../main/engine/live/live-hub.ts';
import type { DropReason, LiveViewer, StreamDescription } from '../../main/engine/live/live-stream.ts';
import { Mp4StreamReader, type Fragment } from '../../main/engine/mp4/stream-reader.ts';
import type { InitInfo } from '../../main/engine/mp4/init.ts';
import { FakeCatalog, log } from './fakes.ts';

/** 3 s of 320x180 H.265 at 15 fps as ffmpeg's recorder would emit it (fMP4, 250 ms fragments). */
async function hevcStream(): Promise<{ init: Buffer; info: InitInfo; fragments: Fragment[] }> {
  const args = [
    '-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=15', '-t', '3',
    '-c:v', 'libx265', '-preset', 'ultrafast', '-x265-params', 'keyint=15:min-keyint=15:bframes=0:log-level=error', '-tag:v', 'hvc1',
    '-f', 'mp4', '-movflags', '+frag_keyframe+empty_moov+default_base_moof', '-frag_duration', '250000', 'pipe:1',
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

class CollectingViewer implements LiveViewer {
  readonly descriptions: StreamDescription[] = [];
  readonly chunks: Buffer[] = [];
  events: string[] = [];
  backlog() {
    return 0;
  }
  init(d: StreamDescription, init: Buffer) {
    this.descriptions.push(d);
    this.chunks.push(init);
    this.events.push('init');
  }
  fragment(bytes: Buffer) {
    this.chunks.push(bytes);
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

  /** Replays the H.265 run into the hub at real-time pace, as a recorder would. */
  async function play(cameraId: number, fragments: Fragment[]): Promise<void> {
    hub.onInit(cameraId, 'main', source.init, source.info);
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

    // Unwatched: the camera's fragments flow, and no transcoder runs.
    await play(7, source.fragments.slice(0, 3));
    expect(Object.keys(hub.stats().transcodes)).toEqual([]);

    const viewer = new CollectingViewer();
    const sub = hub.subscribe(7, 'main', viewer)!;
    expect(sub.plan).toMatchObject({ source: 'main', transcode: true });
    const pid = hub.stats().transcodes['7/main']?.pid;
    expect(alive(pid)).toBe(true);
    await play(7, source.fragments.slice(3));
    await until(() => viewer.events.filter((e) => e === 'fragment').length >= 4, 15_000, 'transcoded fragments');

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

    // Last viewer leaves: the transcoder stops after the linger time.
    const pid2 = hub.stats().transcodes['7/main']?.pid;
    sub.close();
    await until(() => !hub.stats().transcodes['7/main'] && !alive(pid2) && !alive(pid), 5000, 'the transcoder to stop');
  }, 60_000);
});
