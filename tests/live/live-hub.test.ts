// The live fan-out without cameras or sockets: GOP cache, slow viewers,
// isolation by (camera, stream), reconnects, H.265 planning.
import { describe, expect, it } from 'vitest';
import { LiveHub } from '../../main/engine/live/live-hub.ts';
import { LiveStream, describeInit } from '../../main/engine/live/live-stream.ts';
import { parseLiveParams } from '../../main/engine/live/ws-route.ts';
import { matchRawRoute } from '../../preload/raw-routes.ts';

/** The live route as the server resolves it: the raw-route table, then the strict parameter check. */
function parseLivePath(pathname: string) {
  const match = matchRawRoute(pathname, 'websocket');
  return match?.route.name === 'live' ? parseLiveParams(match.params) : null;
}
import { FakeCatalog, FakeViewer, fragment, initInfo, log } from './fakes.ts';

const POLICY = { highWaterBytes: 1000, lowWaterBytes: 100, dropAfterMs: 5000, maxGopBytes: 1_000_000, staleGopMs: 2000, transcodeLingerMs: 50, sweepMs: 60_000 };

function setup() {
  const catalog = new FakeCatalog();
  let now = 1_000_000;
  const clock = { now: () => now, advance: (ms: number) => (now += ms) };
  const hub = new LiveHub({ catalog, ffmpegPath: () => 'ffmpeg-not-used', log, now: clock.now }, POLICY);
  return { hub, catalog, clock };
}

function subscribe(hub: LiveHub, cameraId: number, kind: 'main' | 'sub') {
  const viewer = new FakeViewer();
  const sub = hub.subscribe(cameraId, kind, viewer);
  expect(sub).not.toBeNull();
  return { viewer, sub: sub! };
}

describe('GOP cache', () => {
  it('gives a new viewer the init and the fragments since the latest keyframe at once', () => {
    const { hub, catalog } = setup();
    catalog.cameras.set(1, [{ kind: 'main', codec: 'h264' }]);
    hub.onInit(1, 'main', Buffer.from('INIT1'), initInfo());
    for (const [label, key] of [['a', true], ['b', false], ['c', false], ['d', true], ['e', false]] as const) {
      hub.onFragment(1, 'main', fragment(label, key));
    }
    const { viewer } = subscribe(hub, 1, 'main');
    expect(viewer.log).toEqual(['init:INIT1', 'K:d', 'f:e']);
    expect(viewer.descriptions[0]).toMatchObject({ codec: 'h264', width: 640, height: 360, stream: 'main', transcoded: false });
    hub.onFragment(1, 'main', fragment('f', false));
    expect(viewer.fragments).toEqual(['d', 'e', 'f']);
    expect(hub.stats().feeds['1/main']).toMatchObject({ gopFragments: 3, viewers: 1, running: true });
  });

  it('makes a viewer that joined before any keyframe wait for one', () => {
    const { hub, catalog } = setup();
    catalog.cameras.set(1, [{ kind: 'main', codec: 'h264' }]);
    hub.onInit(1, 'main', Buffer.from('I'), initInfo());
    hub.onFragment(1, 'main', fragment('x', false)); // stream started mid-GOP: not decodable
    const { viewer } = subscribe(hub, 1, 'main');
    expect(viewer.log).toEqual(['init:I']);
    hub.onFragment(1, 'main', fragment('y', false));
    hub.onFragment(1, 'main', fragment('K1', true));
    hub.onFragment(1, 'main', fragment('z', false));
    expect(viewer.fragments).toEqual(['K1', 'z']);
  });

  it('does not serve a GOP from before a pause in the feed', () => {
    const { hub, catalog, clock } = setup();
    catalog.cameras.set(1, [{ kind: 'main', codec: 'h264' }]);
    hub.onInit(1, 'main', Buffer.from('I'), initInfo());
    hub.onFragment(1, 'main', fragment('old-k', true));
    hub.onFragment(1, 'main', fragment('old-p', false));
    clock.advance(60_000); // nobody watched: the recorded stream was not read back meanwhile
    const { viewer } = subscribe(hub, 1, 'main');
    expect(viewer.log).toEqual(['init:I']);
    hub.onFragment(1, 'main', fragment('new-p', false)); // reading resumes mid-GOP...
    hub.onFragment(1, 'main', fragment('new-k', true)); // ...and the viewer starts at a keyframe
    expect(viewer.fragments).toEqual(['new-k']);
    // The stale GOP is gone for later viewers too.
    const later = subscribe(hub, 1, 'main').viewer;
    expect(later.fragments).toEqual(['new-k']);
  });

  it('wants a stream only while someone watches it', () => {
    const { hub, catalog } = setup();
    catalog.cameras.set(1, [{ kind: 'main', codec: 'h264' }, { kind: 'sub', codec: 'h264' }]);
    expect(hub.wants(1, 'main')).toBe(false);
    const { sub } = subscribe(hub, 1, 'main');
    expect(hub.wants(1, 'main')).toBe(true);
    expect(hub.wants(1, 'sub')).toBe(false);
    expect(hub.wants(2, 'main')).toBe(false);
    sub.close();
    expect(hub.wants(1, 'main')).toBe(false);
  });

  it('does not hold a GOP larger than maxGopBytes', () => {
    const stream = new LiveStream((i) => describeInit(i, 'main', false), { ...POLICY, maxGopBytes: 10 });
    stream.publishInit(Buffer.from('I'), initInfo());
    stream.publishFragment(fragment('12345', true));
    stream.publishFragment(fragment('67890', false));
    expect(stream.stats().gopFragments).toBe(2);
    stream.publishFragment(fragment('abcde', false)); // 15 bytes > 10: dropped from the cache
    expect(stream.stats().gopFragments).toBe(0);
    const late = new FakeViewer();
    stream.attach(late);
    expect(late.fragments).toEqual([]);
    stream.publishFragment(fragment('fghij', false));
    stream.publishFragment(fragment('K', true));
    expect(late.fragments).toEqual(['K']);
  });
});

describe('slow viewers', () => {
  it('skips a congested viewer ahead to the next keyframe once it drained, without touching the others', () => {
    const { hub, catalog } = setup();
    catalog.cameras.set(1, [{ kind: 'main', codec: 'h264' }]);
    hub.onInit(1, 'main', Buffer.from('I'), initInfo());
    const fast = subscribe(hub, 1, 'main').viewer;
    const slow = subscribe(hub, 1, 'main').viewer;
    hub.onFragment(1, 'main', fragment('k1', true));
    slow.queued = 5000; // above the high water mark
    hub.onFragment(1, 'main', fragment('a', false));
    hub.onFragment(1, 'main', fragment('b', false));
    slow.queued = 500; // drained below high but not below low water: still skipping
    hub.onFragment(1, 'main', fragment('k2', true));
    slow.queued = 50; // drained: resumes, but only at a keyframe
    hub.onFragment(1, 'main', fragment('c', false));
    hub.onFragment(1, 'main', fragment('k3', true));
    hub.onFragment(1, 'main', fragment('d', false));
    expect(fast.fragments).toEqual(['k1', 'a', 'b', 'k2', 'c', 'k3', 'd']);
    expect(slow.fragments).toEqual(['k1', 'k3', 'd']);
    expect(slow.dropped).toBeNull();
    const stats = hub.stats().feeds['1/main'].viewerStats;
    expect(stats.map((s) => s.skippedFragments).sort()).toEqual([0, 4]);
  });

  it('drops a viewer that stays stuck longer than dropAfterMs; the feed goes on', () => {
    const { hub, catalog, clock } = setup();
    catalog.cameras.set(1, [{ kind: 'main', codec: 'h264' }]);
    hub.onInit(1, 'main', Buffer.from('I'), initInfo());
    const fast = subscribe(hub, 1, 'main').viewer;
    const stuck = subscribe(hub, 1, 'main').viewer;
    stuck.queued = 1_000_000;
    for (let i = 0; i < 30; i++) {
      hub.onFragment(1, 'main', fragment(`f${i}`, i % 4 === 0));
      clock.advance(250); // 7.5 s in all
    }
    expect(stuck.dropped?.reason).toBe('too-slow');
    expect(stuck.fragments).toEqual([]);
    expect(fast.fragments).toHaveLength(30);
    expect(hub.stats().feeds['1/main']).toMatchObject({ viewers: 1, droppedViewers: 1 });
  });

  it('drops a viewer that throws, and the publisher never sees the error', () => {
    const { hub, catalog } = setup();
    catalog.cameras.set(1, [{ kind: 'main', codec: 'h264' }]);
    hub.onInit(1, 'main', Buffer.from('I'), initInfo());
    const good = subscribe(hub, 1, 'main').viewer;
    const bad = subscribe(hub, 1, 'main').viewer;
    bad.throwOnFragment = true;
    expect(() => hub.onFragment(1, 'main', fragment('k', true))).not.toThrow();
    expect(bad.dropped?.reason).toBe('error');
    expect(good.fragments).toEqual(['k']);
  });
});

describe('isolation', () => {
  it('sends each viewer only the camera stream it asked for', () => {
    const { hub, catalog } = setup();
    const keys = [] as { id: number; kind: 'main' | 'sub' }[];
    for (const id of [1, 2, 3]) {
      catalog.cameras.set(id, [{ kind: 'main', codec: 'h264' }, { kind: 'sub', codec: 'h264' }]);
      for (const kind of ['main', 'sub'] as const) keys.push({ id, kind });
    }
    const viewers = keys.map(({ id, kind }) => ({ id, kind, viewer: subscribe(hub, id, kind).viewer }));
    // Interleave every feed's runs, fragments and reconnects.
    for (let round = 0; round < 3; round++) {
      for (const { id, kind } of keys) hub.onInit(id, kind, Buffer.from(`init-${id}-${kind}-${round}`), initInfo());
      for (let i = 0; i < 4; i++) for (const { id, kind } of keys) hub.onFragment(id, kind, fragment(`${id}-${kind}-${round}-${i}`, i === 0));
      for (const { id, kind } of keys.slice().reverse()) hub.onEnd(id, kind);
    }
    for (const { id, kind, viewer } of viewers) {
      const mine = (l: string) => l === 'offline' || l.includes(`${id}-${kind}-`);
      expect(viewer.log.filter((l) => !mine(l))).toEqual([]);
      expect(viewer.fragments).toHaveLength(12);
      expect(viewer.log.filter((l) => l.startsWith('init:'))).toEqual([0, 1, 2].map((r) => `init:init-${id}-${kind}-${r}`));
    }
  });

  it('refuses cameras and streams that are not in the camera list', () => {
    const { hub, catalog } = setup();
    catalog.cameras.set(1, [{ kind: 'main', codec: 'h264' }]);
    hub.onInit(2, 'main', Buffer.from('I'), initInfo()); // a feed without a camera row (removed meanwhile)
    expect(hub.subscribe(1, 'sub', new FakeViewer())).toBeNull();
    expect(hub.subscribe(2, 'main', new FakeViewer())).toBeNull();
    expect(hub.subscribe(0, 'main', new FakeViewer())).toBeNull();
    expect(hub.subscribe(Number.NaN, 'main', new FakeViewer())).toBeNull();
    expect(hub.plan(1, 'main')).toEqual({ cameraId: 1, requested: 'main', source: 'main', transcode: false });
  });

  it('parses only well-formed live paths', () => {
    expect(parseLivePath('/api/live/12/sub')).toEqual({ cameraId: 12, kind: 'sub' });
    expect(parseLivePath('/api/live/3/main')).toEqual({ cameraId: 3, kind: 'main' });
    for (const bad of ['/api/live/3/main/', '/api/live/%E0%A4%A/main', '/api/live/0/main', '/api/live/-1/main', '/api/live/1/third', '/api/live/1', '/api/live/1/main/x', '/api/live/01/main', '/api/live/1e3/main', '/api/live/99999999999999999/main']) {
      expect(parseLivePath(bad), bad).toBeNull();
    }
  });
});

describe('reconnects', () => {
  it('tells viewers the stream went offline, then sends the new init and starts again at a keyframe', () => {
    const { hub, catalog } = setup();
    catalog.cameras.set(1, [{ kind: 'main', codec: 'h264' }]);
    hub.onInit(1, 'main', Buffer.from('run1'), initInfo('avc1', 640, 360));
    const { viewer } = subscribe(hub, 1, 'main');
    hub.onFragment(1, 'main', fragment('a', true));
    hub.onEnd(1, 'main');
    // A viewer arriving while the camera is away gets no stale GOP.
    const late = subscribe(hub, 1, 'main').viewer;
    expect(late.log).toEqual(['offline']);
    hub.onInit(1, 'main', Buffer.from('run2'), initInfo('avc1', 1280, 720));
    hub.onFragment(1, 'main', fragment('p', false)); // new run begins mid-GOP
    hub.onFragment(1, 'main', fragment('k', true));
    expect(viewer.log).toEqual(['init:run1', 'K:a', 'offline', 'init:run2', 'K:k']);
    expect(viewer.descriptions.map((d) => d.width)).toEqual([640, 1280]);
    expect(late.log).toEqual(['offline', 'init:run2', 'K:k']);
  });

  it('closes viewers of a camera that was removed', () => {
    const { hub, catalog } = setup();
    catalog.cameras.set(1, [{ kind: 'main', codec: 'h264' }]);
    hub.onInit(1, 'main', Buffer.from('I'), initInfo());
    const { viewer } = subscribe(hub, 1, 'main');
    catalog.cameras.delete(1);
    hub.onEnd(1, 'main');
    expect(viewer.dropped?.reason).toBe('gone');
    expect(hub.stats().feeds['1/main']).toBeUndefined();
  });

  it('closes viewers of a camera removed while its feed was idle (found by the sweep)', () => {
    const { hub, catalog } = setup();
    catalog.cameras.set(1, [{ kind: 'main', codec: 'h264' }, { kind: 'sub', codec: 'h264' }]);
    catalog.cameras.set(2, [{ kind: 'main', codec: 'h264' }]);
    hub.onInit(1, 'sub', Buffer.from('I'), initInfo());
    const sub1 = subscribe(hub, 1, 'sub').viewer;
    const main2 = subscribe(hub, 2, 'main').viewer;
    hub.onEnd(1, 'sub'); // the recorder stops first; the camera row still exists
    expect(sub1.dropped).toBeNull();
    catalog.cameras.set(1, [{ kind: 'main', codec: 'h264' }]); // then the sub stream is removed
    hub.sweep();
    expect(sub1.dropped?.reason).toBe('gone');
    expect(main2.dropped).toBeNull();
  });

  it('forgets a closed viewer', () => {
    const { hub, catalog } = setup();
    catalog.cameras.set(1, [{ kind: 'main', codec: 'h264' }]);
    hub.onInit(1, 'main', Buffer.from('I'), initInfo());
    const { viewer, sub } = subscribe(hub, 1, 'main');
    sub.close();
    hub.onFragment(1, 'main', fragment('k', true));
    expect(viewer.fragments).toEqual([]);
    expect(hub.stats().feeds['1/main'].viewers).toBe(0);
  });
});

describe('H.265 planning', () => {
  it('serves an H.265 stream from the H.264 other stream when there is one', () => {
    const { hub, catalog } = setup();
    catalog.cameras.set(1, [{ kind: 'main', codec: 'h265' }, { kind: 'sub', codec: 'h264' }]);
    expect(hub.plan(1, 'main')).toMatchObject({ source: 'sub', transcode: false });
    expect(hub.plan(1, 'sub')).toMatchObject({ source: 'sub', transcode: false });
    hub.onInit(1, 'sub', Buffer.from('subinit'), initInfo('avc1', 320, 180));
    const { viewer } = subscribe(hub, 1, 'main');
    expect(viewer.log).toEqual(['init:subinit']);
    expect(viewer.descriptions[0]).toMatchObject({ stream: 'sub', transcoded: false });
  });

  it('transcodes when every stream is H.265, and prefers what the live run says over the stored codec', () => {
    const { hub, catalog } = setup();
    catalog.cameras.set(1, [{ kind: 'main', codec: 'h265' }, { kind: 'sub', codec: 'h265' }]);
    expect(hub.plan(1, 'sub')).toMatchObject({ source: 'sub', transcode: true });
    catalog.cameras.set(2, [{ kind: 'main', codec: null }]);
    expect(hub.plan(2, 'main')).toMatchObject({ transcode: false }); // unknown yet: try directly
    hub.onInit(2, 'main', Buffer.from('I'), initInfo('hvc1'));
    expect(hub.plan(2, 'main')).toMatchObject({ transcode: true });
  });
});
