// The transcoding ffmpeg kept started ahead of need (SpareTranscoder): held
// only while some running stream can be watched only through a transcode,
// handed to the transcode that starts, replaced afterwards, never handed out
// dead, and let go with the camera and at shutdown. Fake processes: what is
// tested is who gets which process, not ffmpeg.
import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { LiveHub } from '../../main/engine/live/live-hub.ts';
import { SpareTranscoder, transcodeArgs } from '../../main/engine/live/transcoder.ts';
import { waitFor } from '../helpers/wait.ts';
import { FakeCatalog, FakeProc, FakeViewer, initInfo, log } from './fakes.ts';

function fakeSpawner() {
  const spawned: FakeProc[] = [];
  const spawn = (_path: string, args: readonly string[]) => {
    const p = new FakeProc(args);
    spawned.push(p);
    return p as unknown as ChildProcess;
  };
  return { spawned, spawn, alive: () => spawned.filter((p) => !p.killed && p.exitCode === null) };
}

describe('SpareTranscoder', () => {
  const spares: SpareTranscoder[] = [];
  afterEach(() => spares.splice(0).forEach((s) => s.stop()));

  function spareOf(spawn: ReturnType<typeof fakeSpawner>['spawn'], delayMs = 10) {
    const s = new SpareTranscoder(spawn, () => 'ffmpeg', delayMs);
    spares.push(s);
    return s;
  }

  it('starts one ffmpeg with the transcode arguments only when wanted, and hands it to the next transcode', async () => {
    const f = fakeSpawner();
    const spare = spareOf(f.spawn);
    await new Promise((r) => setTimeout(r, 30));
    expect(f.spawned).toHaveLength(0);
    spare.want(transcodeArgs());
    await waitFor(() => f.spawned.length === 1, { timeoutMs: 5000, what: 'a spare' });
    expect(f.spawned[0].args).toEqual(transcodeArgs());
    const taken = spare.spawn('ffmpeg', transcodeArgs());
    expect(taken).toBe(f.spawned[0]);
    // A replacement follows a moment later, not at once.
    expect(f.spawned).toHaveLength(1);
    await waitFor(() => f.spawned.length === 2, { timeoutMs: 5000, what: 'the next spare' });
    expect(spare.pid).toBe(f.spawned[1].pid);
  });

  it('never hands out a spare that died or was started with other arguments', async () => {
    const f = fakeSpawner();
    const spare = spareOf(f.spawn);
    spare.want(transcodeArgs());
    await waitFor(() => f.spawned.length === 1, { timeoutMs: 5000, what: 'a spare' });
    f.spawned[0].exit(1); // crashed while waiting
    const fresh = spare.spawn('ffmpeg', transcodeArgs());
    expect(fresh).not.toBe(f.spawned[0]);
    expect(fresh).toBe(f.spawned.at(-1));

    await waitFor(() => spare.pid !== undefined, { timeoutMs: 5000, what: 'the next spare' });
    const waiting = f.spawned.at(-1)!;
    const other = spare.spawn('ffmpeg', ['-other']);
    expect(other).not.toBe(waiting);
    expect(waiting.killed).toBe(true); // not left behind
  });

  it('replaces a spare started for another source size (the decoder threads differ)', async () => {
    const f = fakeSpawner();
    const spare = spareOf(f.spawn);
    const small = transcodeArgs({ width: 640, height: 360 });
    const large = transcodeArgs({ width: 3840, height: 2160 });
    // One thread each side of -i: decoding (no frames held back) and encoding (no slice hand-overs).
    const threads = (args: string[]) => args.flatMap((a, i) => (a === '-threads' ? [`${i < args.indexOf('-i') ? 'decode' : 'encode'}:${args[i + 1]}`] : []));
    expect(threads(small)).toEqual(['decode:1', 'encode:1']);
    expect(threads(transcodeArgs({ width: 1920, height: 1080 }))).toEqual(['decode:1']); // x264's slices keep up at 1080p
    expect(threads(large)).toEqual([]); // frame threads, to keep up
    spare.want(small);
    await waitFor(() => f.spawned.length === 1, { timeoutMs: 5000, what: 'a spare' });
    spare.want(large);
    expect(f.spawned[0].killed).toBe(true);
    await waitFor(() => spare.pid !== undefined, { timeoutMs: 5000, what: 'the spare for the large source' });
    expect(f.spawned.at(-1)!.args).toEqual(large);
    expect(spare.spawn('ffmpeg', large)).toBe(f.spawned.at(-1));
  });

  it('lets the spare go when no longer wanted and at stop, and gives up on an ffmpeg that keeps dying', async () => {
    const f = fakeSpawner();
    const spare = spareOf(f.spawn, 1);
    spare.want(transcodeArgs());
    await waitFor(() => f.spawned.length === 1, { timeoutMs: 5000, what: 'a spare' });
    spare.want(null);
    expect(f.spawned[0].killed).toBe(true);
    expect(spare.pid).toBeUndefined();

    spare.want(transcodeArgs());
    for (let i = 0; i < 3; i++) {
      await waitFor(() => f.alive().length === 1, { timeoutMs: 5000, what: `spare ${i + 1}` });
      f.alive()[0].exit(1);
    }
    await new Promise((r) => setTimeout(r, 50));
    expect(f.alive()).toHaveLength(0);
    expect(f.spawned).toHaveLength(4); // 1 let go + 3 that died, then no more
    spare.stop();
  });
});

describe('LiveHub keeps a spare transcoder', () => {
  const hubs: LiveHub[] = [];
  afterEach(() => hubs.splice(0).forEach((h) => h.stop()));

  it('only while a running stream needs a transcode, and the transcode gets it', async () => {
    const f = fakeSpawner();
    const catalog = new FakeCatalog();
    catalog.cameras.set(1, [{ kind: 'main', codec: 'h264' }, { kind: 'sub', codec: 'h264' }]);
    catalog.cameras.set(2, [{ kind: 'main', codec: 'h265' }]);
    const hub = new LiveHub({ catalog, ffmpegPath: () => 'ffmpeg', log, spawn: f.spawn }, { sweepMs: 20 });
    hubs.push(hub);

    // H.264 only: nothing is started.
    hub.onInit(1, 'main', Buffer.from('init1'), initInfo('avc1'));
    hub.onInit(1, 'sub', Buffer.from('init1s'), initInfo('avc1'));
    await new Promise((r) => setTimeout(r, 60));
    expect(f.spawned).toHaveLength(0);

    // An H.265-only camera runs: one spare.
    hub.onInit(2, 'main', Buffer.from('init2'), initInfo('hvc1'));
    await waitFor(() => hub.sparePid !== undefined, { timeoutMs: 5000, what: 'a spare' });
    const spare = f.spawned[0];
    expect(spare.args).toEqual(transcodeArgs({ width: 640, height: 360 })); // as this source's transcode will ask

    // Its viewer's transcode uses that very process, fed the source's init.
    const viewer = new FakeViewer();
    const sub = hub.subscribe(2, 'main', viewer)!;
    expect(sub.plan.transcode).toBe(true);
    expect(hub.stats().transcodes['2/main'].pid).toBe(spare.pid);
    // The camera is live: the starting transcode is not announced as offline to its viewer.
    expect(viewer.log).toEqual([]);
    await waitFor(() => Buffer.concat(spare.written).toString() === 'init2', { timeoutMs: 5000, what: 'the init written to the spare' });
    // Camera 1's feeds never reach it.
    hub.onFragment(1, 'main', { bytes: Buffer.from('cam1'), moofLength: 0, info: { runs: [] } });
    expect(Buffer.concat(spare.written).toString()).toBe('init2');
    sub.close();

    // The camera is removed: no spare is kept any more.
    await waitFor(() => hub.sparePid !== undefined, { timeoutMs: 5000, what: 'the next spare' });
    const next = f.spawned.find((p) => p.pid === hub.sparePid)!;
    catalog.cameras.delete(2);
    await waitFor(() => hub.sparePid === undefined && next.killed, { timeoutMs: 5000, what: 'the spare let go' });
  });

  it('is switched off by the option and killed at shutdown', async () => {
    const f = fakeSpawner();
    const catalog = new FakeCatalog();
    catalog.cameras.set(2, [{ kind: 'main', codec: 'h265' }]);
    const off = new LiveHub({ catalog, ffmpegPath: () => 'ffmpeg', log, spawn: f.spawn }, { spareTranscoder: false });
    hubs.push(off);
    off.onInit(2, 'main', Buffer.from('init2'), initInfo('hvc1'));
    await new Promise((r) => setTimeout(r, 30));
    expect(f.spawned).toHaveLength(0);

    const on = new LiveHub({ catalog, ffmpegPath: () => 'ffmpeg', log, spawn: f.spawn });
    on.onInit(2, 'main', Buffer.from('init2'), initInfo('hvc1'));
    await waitFor(() => on.sparePid !== undefined, { timeoutMs: 5000, what: 'a spare' });
    on.stop();
    expect(f.spawned[0].killed).toBe(true);
  });
});

describe('A viewer joining a starting transcode', () => {
  it('is told "offline" only when the camera stream itself is not running, and then whenever the transcode stops', async () => {
    const f = fakeSpawner();
    const catalog = new FakeCatalog();
    catalog.cameras.set(3, [{ kind: 'main', codec: 'h265' }]);
    const hub = new LiveHub({ catalog, ffmpegPath: () => 'ffmpeg', log, spawn: f.spawn }, { spareTranscoder: false, transcodeLingerMs: 10 });
    try {
      hub.onInit(3, 'main', Buffer.from('init3'), initInfo('hvc1'));
      const live = new FakeViewer();
      const sub = hub.subscribe(3, 'main', live)!;
      expect(live.log).toEqual([]);
      // The transcode's ffmpeg dies before its first output: now the viewer hears it.
      f.spawned[0].exit(1);
      await waitFor(() => live.log.includes('offline'), { timeoutMs: 5000, what: 'offline after the crash' });
      sub.close();

      // The camera stream stopped: a new viewer is told at once.
      hub.onEnd(3, 'main');
      await waitFor(() => !hub.stats().transcodes['3/main'], { timeoutMs: 5000, what: 'the transcode to stop' });
      const late = new FakeViewer();
      hub.subscribe(3, 'main', late)!.close();
      expect(late.log).toEqual(['offline']);
    } finally {
      hub.stop();
    }
  });
});
