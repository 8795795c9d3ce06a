/**
 * Everything keyed by a camera dies with it (issue 9): its live viewers are
 * closed with the reason and its transcodes stop at once (not at the next
 * sweep), and its snapshot requests in flight end with "not found".
 */
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import type { ChildProcess } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { LiveHub } from '../../main/engine/live/live-hub.ts';
import { Snapshots } from '../../main/engine/onvif-service/snapshots.ts';
import { ApiFailure } from '../../main/engine/errors.ts';
import type { Store } from '../../main/engine/storage/store.ts';
import { FakeCatalog, FakeViewer, fragment, initInfo, log } from '../live/fakes.ts';

/** A child process that runs until killed. */
function fakeProcess(): ChildProcess & { killedWith: string[] } {
  const proc = new EventEmitter() as ChildProcess & { killedWith: string[] };
  proc.killedWith = [];
  Object.assign(proc, { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough(), pid: 4242, exitCode: null, signalCode: null });
  proc.kill = ((signal: NodeJS.Signals = 'SIGTERM') => {
    proc.killedWith.push(signal);
    (proc as { signalCode: string | null }).signalCode = signal;
    queueMicrotask(() => proc.emit('close', null, signal));
    return true;
  }) as ChildProcess['kill'];
  return proc;
}

describe('a removed camera takes its live feeds along', () => {
  it('closes viewers with the reason and stops the transcode at once', () => {
    const catalog = new FakeCatalog();
    const spawned: ReturnType<typeof fakeProcess>[] = [];
    const hub = new LiveHub(
      { catalog, ffmpegPath: () => 'ffmpeg', log, spawn: () => (spawned.push(fakeProcess()), spawned.at(-1)!) },
      { sweepMs: 3_600_000 }, // the sweep must not be what saves us
    );
    catalog.cameras.set(7, [{ kind: 'main', codec: 'h265' }]);
    catalog.cameras.set(8, [{ kind: 'main', codec: 'h264' }]);
    hub.onInit(7, 'main', Buffer.from('init7'), initInfo('hvc1'));
    hub.onInit(8, 'main', Buffer.from('init8'), initInfo('avc1'));
    const transcoded = new FakeViewer();
    const direct = new FakeViewer();
    const other = new FakeViewer();
    expect(hub.subscribe(7, 'main', transcoded)?.plan.transcode).toBe(true);
    hub.subscribe(8, 'main', other);
    hub.onFragment(7, 'main', fragment('k', true));
    expect(spawned).toHaveLength(1);
    expect(Object.keys(hub.stats().transcodes)).toEqual(['7/main']);

    catalog.cameras.delete(7);
    catalog.reasons.set(7, 'the camera was removed');
    hub.cameraChanged(7);
    expect(transcoded.dropped).toEqual({ reason: 'gone', message: 'the camera was removed' });
    expect(spawned[0].killedWith.length).toBeGreaterThan(0);
    expect(hub.stats().transcodes).toEqual({});
    expect(hub.subscribe(7, 'main', direct)).toBeNull();
    // The other camera is untouched.
    expect(other.dropped).toBeNull();
    hub.onFragment(8, 'main', fragment('k8', true));
    expect(other.fragments).toContain('k8');
    hub.stop();
  });

  it('closes the viewers of a camera that was switched off (the catalog no longer lists it)', () => {
    const catalog = new FakeCatalog();
    const hub = new LiveHub({ catalog, ffmpegPath: () => 'ffmpeg', log }, { sweepMs: 3_600_000 });
    catalog.cameras.set(3, [{ kind: 'main', codec: 'h264' }, { kind: 'sub', codec: 'h264' }]);
    const main = new FakeViewer();
    const sub = new FakeViewer();
    hub.subscribe(3, 'main', main);
    hub.subscribe(3, 'sub', sub);
    // Only the sub stream went (edited away): only its viewers go.
    catalog.cameras.set(3, [{ kind: 'main', codec: 'h264' }]);
    catalog.reasons.set(3, 'the stream was removed from the camera');
    hub.cameraChanged(3);
    expect(sub.dropped).toEqual({ reason: 'gone', message: 'the stream was removed from the camera' });
    expect(main.dropped).toBeNull();
    catalog.cameras.delete(3);
    catalog.reasons.set(3, 'the camera was switched off');
    hub.cameraChanged(3);
    expect(main.dropped).toEqual({ reason: 'gone', message: 'the camera was switched off' });
    hub.stop();
  });
});

describe('a removed camera takes its snapshot requests along', () => {
  it('ends a request in flight with "not found" and kills its ffmpeg', async () => {
    let exists = true;
    const camera = { id: 5, name: 'door', enabled: true, source: 'rtsp' as const, credentials: null, maxAgeMs: null, createdAt: 0 };
    const store = {
      getCamera: (id: number) => (exists && id === 5 ? camera : null),
      listStreams: () => [{ id: 9, cameraId: 5, kind: 'main' as const, url: 'rtsp://127.0.0.1:1/x', codec: null, width: null, height: null, audioCodec: null }],
      onvif: { getDevice: () => null },
    } as unknown as Store;
    const procs: ReturnType<typeof fakeProcess>[] = [];
    const snapshots = new Snapshots({
      store,
      secrets: { seal: (b: Buffer) => b, open: (b: Buffer) => b } as never,
      opener: { open: () => ({ inputArgs: ['-i', 'x'], videoArgs: [], secrets: [] }) },
      runner: { spawn: () => (procs.push(fakeProcess()), procs.at(-1)!) },
      ffmpegPath: 'ffmpeg',
      now: () => 0,
      timeoutMs: 60_000,
    });
    const pending = snapshots.ofCamera(5);
    await new Promise((r) => setTimeout(r, 10));
    expect(procs).toHaveLength(1);
    exists = false;
    snapshots.cancel(5);
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiFailure);
    expect((error as ApiFailure).code).toBe('not_found');
    expect(procs[0].killedWith).toContain('SIGKILL');
  });
});
