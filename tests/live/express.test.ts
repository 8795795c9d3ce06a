// The express connection of a recorded stream, without cameras or sockets:
// who opens it, when the feed switches to it and back, and that it closes
// with its last low-latency viewer and with its camera.
import { describe, expect, it } from 'vitest';
import { LiveHub } from '../../main/engine/live/live-hub.ts';
import type { ExpressControl } from '../../main/engine/live/express.ts';
import type { LiveSink } from '../../main/engine/recording/pipeline.ts';
import { parseLiveQuery } from '../../main/engine/live/ws-route.ts';
import { livePath } from '../../preload/contract/live-route.ts';
import { FakeCatalog, FakeProc, FakeViewer, fragment, initInfo, log } from './fakes.ts';
import { waitFor } from '../helpers/wait.ts';

const POLICY = { highWaterBytes: 1000, lowWaterBytes: 100, dropAfterMs: 5000, maxGopBytes: 1_000_000, staleGopMs: 2000, transcodeLingerMs: 50, sweepMs: 60_000, expressLingerMs: 40, spareTranscoder: false };

/** Records what the hub asks of the supervisor; hands the test the sink an express recorder would publish to. */
class FakeExpress implements ExpressControl {
  readonly calls: string[] = [];
  sinks = new Map<string, LiveSink>();
  refuse = false;
  start(cameraId: number, kind: 'main' | 'sub', sink: LiveSink): boolean {
    this.calls.push(`start ${cameraId}/${kind}`);
    if (this.refuse) return false;
    this.sinks.set(`${cameraId}/${kind}`, sink);
    return true;
  }
  stop(cameraId: number, kind: 'main' | 'sub'): void {
    this.calls.push(`stop ${cameraId}/${kind}`);
    this.sinks.delete(`${cameraId}/${kind}`);
  }
  sink(key: string): LiveSink {
    const sink = this.sinks.get(key);
    if (!sink) throw new Error(`no express connection for ${key}`);
    return sink;
  }
}

function setup() {
  const catalog = new FakeCatalog();
  const express = new FakeExpress();
  const hub = new LiveHub({ catalog, ffmpegPath: () => 'ffmpeg-not-used', log, express, spawn: () => new FakeProc() as never }, POLICY);
  catalog.cameras.set(1, [
    { kind: 'main', codec: 'h264' },
    { kind: 'sub', codec: 'h264' },
  ]);
  // The recorded main stream, read back by the tap: its init and a GOP.
  hub.onInit(1, 'main', Buffer.from('REC'), initInfo());
  hub.onFragment(1, 'main', fragment('r1', true));
  hub.onFragment(1, 'main', fragment('r2', false));
  return { hub, catalog, express };
}

function watch(hub: LiveHub, kind: 'main' | 'sub', lowLatency: boolean, cameraId = 1) {
  const viewer = new FakeViewer();
  const sub = hub.subscribe(cameraId, kind, viewer, { lowLatency });
  expect(sub).not.toBeNull();
  return { viewer, sub: sub! };
}

/** A low-latency viewer of camera 1's main stream whose feed has switched to the express connection (init EXP, keyframe e1). */
function switched(hub: LiveHub, express: FakeExpress) {
  const { viewer } = watch(hub, 'main', true);
  const sink = express.sink('1/main');
  sink.onInit(1, 'main', Buffer.from('EXP'), initInfo());
  sink.onFragment(1, 'main', fragment('e1', true));
  return { viewer, sink };
}

describe('express connection', () => {
  it('opens for a low-latency viewer of a recorded stream and switches the feed at its first keyframe', () => {
    const { hub, express } = setup();
    const { viewer } = watch(hub, 'main', true);
    expect(express.calls).toEqual(['start 1/main']);
    // The recorded stream's GOP at once: the first frame does not wait for the camera.
    expect(viewer.log).toEqual(['init:REC', 'K:r1', 'f:r2']);

    const sink = express.sink('1/main');
    sink.onInit(1, 'main', Buffer.from('EXP'), initInfo());
    sink.onFragment(1, 'main', fragment('e0', false)); // joined mid-GOP: not decodable, not sent
    hub.onFragment(1, 'main', fragment('r3', false));
    sink.onFragment(1, 'main', fragment('e1', true)); // the switch
    hub.onFragment(1, 'main', fragment('r4', false)); // the recorded stream is held back now
    sink.onFragment(1, 'main', fragment('e2', false));
    expect(viewer.log).toEqual(['init:REC', 'K:r1', 'f:r2', 'f:r3', 'init:EXP', 'K:e1', 'f:e2']);
    expect(hub.stats().express['1/main']).toEqual({ viewers: 1, active: true, switches: 1 });

    // Every viewer of the feed gets the express media, and a newcomer its GOP.
    const plain = watch(hub, 'main', false).viewer;
    expect(plain.log).toEqual(['init:EXP', 'K:e1', 'f:e2']);
  });

  it('is not opened for the grid, for a live-only stream, for a stand-in or a transcode', () => {
    const { hub, express, catalog } = setup();
    watch(hub, 'main', false);
    expect(express.calls).toEqual([]);
    express.refuse = true; // as the supervisor answers for a stream that is not recorded
    watch(hub, 'sub', true);
    expect(express.calls).toEqual(['start 1/sub']);
    expect(hub.stats().express).toEqual({});

    // An H.265 main served from the H.264 sub, or transcoded: never an express connection.
    catalog.cameras.set(2, [
      { kind: 'main', codec: 'h265' },
      { kind: 'sub', codec: 'h264' },
    ]);
    catalog.cameras.set(3, [{ kind: 'main', codec: 'h265' }]);
    express.calls.length = 0;
    const standIn = watch(hub, 'main', true, 2);
    expect(standIn.sub.plan.source).toBe('sub');
    const transcoded = watch(hub, 'main', true, 3);
    expect(transcoded.sub.plan.transcode).toBe(true);
    transcoded.sub.close();
    expect(express.calls).toEqual([]);
  });

  it('keeps the recorded stream when the camera refuses a second client', () => {
    const { hub, express } = setup();
    express.refuse = true;
    const { viewer, sub } = watch(hub, 'main', true);
    hub.onFragment(1, 'main', fragment('r3', false));
    expect(viewer.log).toEqual(['init:REC', 'K:r1', 'f:r2', 'f:r3']);
    sub.close();
    expect(hub.stats().express).toEqual({});
  });

  it('switches back to the recorded stream when the express connection ends, and again forward when it returns', () => {
    const { hub, express } = setup();
    const { viewer, sink } = switched(hub, express);
    sink.onEnd(1, 'main'); // the connection broke
    hub.onFragment(1, 'main', fragment('r5', false)); // mid-GOP: the viewer waits for the next keyframe
    hub.onFragment(1, 'main', fragment('r6', true));
    // It reconnects (its own backoff) and the feed switches again at its keyframe.
    sink.onInit(1, 'main', Buffer.from('EXP2'), initInfo());
    sink.onFragment(1, 'main', fragment('x1', true));
    expect(viewer.log).toEqual(['init:REC', 'K:r1', 'f:r2', 'init:EXP', 'K:e1', 'init:REC', 'K:r6', 'init:EXP2', 'K:x1']);
    expect(hub.stats().express['1/main']).toMatchObject({ active: true, switches: 2 });
  });

  it('keeps the feed running while only the express connection does, and ends it when both are gone', () => {
    const { hub, express } = setup();
    const { viewer, sink } = switched(hub, express);
    hub.onEnd(1, 'main'); // the recorder reconnects: the express connection carries on
    sink.onFragment(1, 'main', fragment('e2', false));
    sink.onEnd(1, 'main');
    expect(viewer.log).toEqual(['init:REC', 'K:r1', 'f:r2', 'init:EXP', 'K:e1', 'f:e2', 'offline']);
  });

  it('closes a moment after its last low-latency viewer left, not while one remains', async () => {
    const { hub, express } = setup();
    const a = watch(hub, 'main', true);
    const b = watch(hub, 'main', true);
    const sink = express.sink('1/main');
    sink.onInit(1, 'main', Buffer.from('EXP'), initInfo());
    sink.onFragment(1, 'main', fragment('e1', true));
    a.sub.close();
    a.sub.close(); // twice: counted once
    expect(hub.stats().express['1/main']).toMatchObject({ viewers: 1 });
    const plain = watch(hub, 'main', false).viewer; // a grid tile of the same camera stays on
    b.sub.close();
    await waitFor(() => express.calls.includes('stop 1/main'), { timeoutMs: 5000, what: 'the express connection to close' });
    // The remaining viewer is back on the recorded stream, at its next keyframe.
    hub.onFragment(1, 'main', fragment('r7', true));
    expect(plain.log).toEqual(['init:EXP', 'K:e1', 'init:REC', 'K:r7']);
    expect(express.calls).toEqual(['start 1/main', 'stop 1/main']);
    expect(hub.stats().express).toEqual({});
  });

  it('is reused by a viewer back within the linger', async () => {
    const { hub, express } = setup();
    watch(hub, 'main', true).sub.close();
    watch(hub, 'main', true);
    await new Promise((r) => setTimeout(r, POLICY.expressLingerMs * 3));
    expect(express.calls).toEqual(['start 1/main']);
  });

  it('dies with its camera: closed at once, and nothing it sends afterwards reaches anyone', () => {
    const { hub, express, catalog } = setup();
    const { viewer, sink } = switched(hub, express);
    catalog.cameras.delete(1);
    hub.cameraChanged(1);
    expect(express.calls).toEqual(['start 1/main', 'stop 1/main']);
    expect(viewer.dropped?.reason).toBe('gone');
    // A late fragment of the stopping connection, then a new camera's viewer: nothing of camera 1.
    sink.onFragment(1, 'main', fragment('late', false));
    catalog.cameras.set(2, [{ kind: 'main', codec: 'h264' }]);
    hub.onInit(2, 'main', Buffer.from('CAM2'), initInfo());
    hub.onFragment(2, 'main', fragment('c2', true));
    const other = watch(hub, 'main', true, 2).viewer;
    expect(other.log).toEqual(['init:CAM2', 'K:c2']);
    expect(viewer.log.some((l) => l.includes('late'))).toBe(false);
  });

  it('closes every express connection when the hub stops', () => {
    const { hub, express } = setup();
    watch(hub, 'main', true);
    hub.stop();
    expect(express.calls).toEqual(['start 1/main', 'stop 1/main']);
  });
});

describe('the live route asks for it', () => {
  it('with latency=low, and refuses any other value', () => {
    expect(livePath(7, 'main', { lowLatency: true })).toBe('/api/live/7/main?latency=low');
    expect(livePath(7, 'sub')).toBe('/api/live/7/sub');
    expect(parseLiveQuery('/api/live/7/main?latency=low')).toEqual({ lowLatency: true });
    expect(parseLiveQuery('/api/live/7/main')).toEqual({ lowLatency: false });
    expect(parseLiveQuery('/api/live/7/main?token=abc')).toEqual({ lowLatency: false });
    expect(parseLiveQuery('/api/live/7/main?latency=LOW')).toBeNull();
    expect(parseLiveQuery('/api/live/7/main?latency=')).toBeNull();
  });
});
