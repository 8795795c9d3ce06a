/**
 * The tray's wording and the notifications it raises (tray-status.ts). The
 * icon files themselves: icons.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { EMPTY_MEMORY, notificationsFor, trayView, type TrayCamera, type TrayInput } from '../../main/electron/tray-status.ts';

const cam = (id: number, state: TrayCamera['status']['state'], name = `Cam ${id}`, lastError: string | null = null): TrayCamera => ({
  id,
  name,
  status: { state, since: 1000, lastError },
});
const running = (cameras: TrayCamera[], storageProblem: string | null = null): TrayInput => ({ engine: { state: 'running' }, cameras, storageProblem });

describe('tray view', () => {
  it.each<[string, TrayInput, string, string]>([
    ['starting', { engine: { state: 'starting' }, cameras: [], storageProblem: null }, 'idle', 'Starting…'],
    ['engine failed', { engine: { state: 'failed', message: 'ffmpeg was not found' }, cameras: [cam(1, 'recording')], storageProblem: null }, 'error', 'Not recording: ffmpeg was not found'],
    ['no cameras', running([]), 'idle', 'No cameras to record'],
    ['only disabled cameras', running([cam(1, 'disabled')]), 'idle', 'No cameras to record'],
    ['one recording', running([cam(1, 'recording')]), 'ok', 'Recording 1 camera'],
    ['all recording, disabled ones ignored', running([cam(1, 'recording'), cam(2, 'recording'), cam(3, 'disabled')]), 'ok', 'Recording all 2 cameras'],
    ['one offline', running([cam(1, 'recording'), cam(2, 'offline', 'Driveway')]), 'warn', 'Driveway is offline; recording 1 of 2'],
    ['several offline', running([cam(1, 'offline'), cam(2, 'offline'), cam(3, 'recording')]), 'warn', '2 cameras offline; recording 1 of 3'],
    ['connecting', running([cam(1, 'recording'), cam(2, 'connecting')]), 'idle', 'Connecting… recording 1 of 2 cameras'],
    ['storage problem wins', running([cam(1, 'recording')], 'the recordings volume is full'), 'error', 'Storage problem: the recordings volume is full'],
    ['storage problem and offline', running([cam(1, 'offline', 'Garage')], 'disk budget exceeded'), 'error', 'Storage problem: disk budget exceeded (Garage is offline)'],
  ])('%s', (_why, input, icon, label) => {
    const view = trayView(input);
    expect(view).toEqual({ icon, label, tooltip: `Keepwatch: ${label}` });
  });
});

describe('notifications', () => {
  it('announces a camera going offline once, not on every failed retry', () => {
    let memory = EMPTY_MEMORY;
    const step = (input: TrayInput) => {
      const r = notificationsFor(memory, input);
      memory = r.memory;
      return r.notifications.map((n) => n.key);
    };
    expect(step(running([cam(1, 'connecting'), cam(2, 'recording')]))).toEqual([]);
    expect(step(running([cam(1, 'offline', 'Porch', 'connection refused'), cam(2, 'recording')]))).toEqual(['camera-offline:1']);
    expect(step(running([cam(1, 'connecting'), cam(2, 'recording')]))).toEqual([]); // retrying
    expect(step(running([cam(1, 'offline'), cam(2, 'recording')]))).toEqual([]); // still the same outage
    expect(step(running([cam(1, 'recording'), cam(2, 'recording')]))).toEqual([]); // back: quiet
    expect(step(running([cam(1, 'offline'), cam(2, 'offline')]))).toEqual(['camera-offline:1', 'camera-offline:2']); // a new outage
  });

  it('says which camera and why', () => {
    const { notifications } = notificationsFor(EMPTY_MEMORY, running([cam(4, 'offline', 'Back garden', 'rtsp://***@10.0.0.4/: timed out')]));
    expect(notifications).toEqual([
      {
        key: 'camera-offline:4',
        title: 'Back garden is offline',
        body: 'Keepwatch keeps retrying and records again as soon as it answers. Last error: rtsp://***@10.0.0.4/: timed out',
      },
    ]);
  });

  it('forgets a removed or disabled camera', () => {
    const first = notificationsFor(EMPTY_MEMORY, running([cam(1, 'offline')]));
    const disabled = notificationsFor(first.memory, running([cam(1, 'disabled')]));
    expect(disabled.memory.offlineAnnounced.has(1)).toBe(false);
    expect(notificationsFor(disabled.memory, running([cam(1, 'offline')])).notifications).toHaveLength(1);
  });

  it('announces storage trouble when it starts or changes, not while it lasts', () => {
    const a = notificationsFor(EMPTY_MEMORY, running([], 'the disk is almost full'));
    expect(a.notifications).toEqual([{ key: 'storage', title: 'Storage needs attention', body: 'the disk is almost full' }]);
    expect(notificationsFor(a.memory, running([], 'the disk is almost full')).notifications).toEqual([]);
    const cleared = notificationsFor(a.memory, running([], null));
    expect(cleared.notifications).toEqual([]);
    expect(notificationsFor(cleared.memory, running([], 'the disk is almost full')).notifications).toHaveLength(1);
    expect(notificationsFor(a.memory, running([], 'footage deleted early')).notifications).toHaveLength(1);
  });

  it('announces the engine stopping once per cause', () => {
    const failed: TrayInput = { engine: { state: 'failed', message: 'exit code 9' }, cameras: [], storageProblem: null };
    const a = notificationsFor(EMPTY_MEMORY, failed);
    expect(a.notifications.map((n) => n.title)).toEqual(['Keepwatch stopped recording']);
    expect(notificationsFor(a.memory, failed).notifications).toEqual([]);
    const back = notificationsFor(a.memory, running([]));
    expect(notificationsFor(back.memory, failed).notifications).toHaveLength(1);
  });
});
