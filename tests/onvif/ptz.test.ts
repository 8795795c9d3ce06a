import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectDevice,
  continuousMove,
  getPresets,
  gotoHomePosition,
  gotoPreset,
  onboardDevice,
  removePreset,
  setPreset,
  stopMove,
  zoom,
  type OnvifSession,
} from '../../main/engine/onvif/index.ts';
import { startSimOnvifDevice, type SimOnvifDevice } from '../../main/sim-onvif/index.ts';

describe('PTZ', () => {
  let device: SimOnvifDevice;
  let session: OnvifSession;
  let profile: string;

  beforeAll(async () => {
    device = await startSimOnvifDevice({ discovery: false, clockOffsetMs: -90 * 60_000 });
    const onboarded = await onboardDevice({ xaddr: device.xaddr, username: 'admin', password: 'admin123' });
    profile = onboarded.ptzProfileToken!;
    session = await connectDevice({ xaddr: device.xaddr, username: 'admin', password: 'admin123' });
  });
  afterAll(() => device.stop());

  it('move, zoom and stop reach the device with the right values', async () => {
    device.calls.length = 0;
    await continuousMove(session, profile, { pan: 0.5, tilt: -0.25 }, 2);
    await zoom(session, profile, -0.75);
    await continuousMove(session, profile, { pan: 7, tilt: -1e-9 }); // clamped, no exponent notation
    await stopMove(session, profile);
    await stopMove(session, profile, { zoom: false });
    expect(device.calls).toEqual([
      { operation: 'ContinuousMove', profileToken: profile, pan: 0.5, tilt: -0.25, zoom: undefined, timeout: 'PT2S' },
      { operation: 'ContinuousMove', profileToken: profile, pan: undefined, tilt: undefined, zoom: -0.75, timeout: undefined },
      { operation: 'ContinuousMove', profileToken: profile, pan: 1, tilt: 0, zoom: undefined, timeout: undefined },
      { operation: 'Stop', profileToken: profile, stopPanTilt: true, stopZoom: true },
      { operation: 'Stop', profileToken: profile, stopPanTilt: true, stopZoom: false },
    ]);
  });

  it('presets: set, list, go to, remove; home', async () => {
    device.calls.length = 0;
    const token = await setPreset(session, profile, { name: 'Driveway <east>' });
    expect(await getPresets(session, profile)).toContainEqual({ token, name: 'Driveway <east>' });
    await gotoPreset(session, profile, token, { pan: 0.3, tilt: 0.3 });
    await removePreset(session, profile, token);
    await gotoHomePosition(session, profile);
    expect(device.calls).toEqual([
      { operation: 'SetPreset', profileToken: profile, presetToken: token, presetName: 'Driveway <east>' },
      { operation: 'GotoPreset', profileToken: profile, presetToken: token, pan: 0.3, tilt: 0.3, zoom: undefined },
      { operation: 'RemovePreset', profileToken: profile, presetToken: token },
      { operation: 'GotoHomePosition', profileToken: profile, pan: undefined, tilt: undefined, zoom: undefined },
    ]);
    expect((await getPresets(session, profile)).map((p) => p.token)).not.toContain(token);
  });

  it('camera refusals and bad input come back as typed errors', async () => {
    await expect(gotoPreset(session, profile, 'no-such-preset')).rejects.toMatchObject({ code: 'SENDER_FAULT' });
    await expect(continuousMove(session, profile, { pan: Number.NaN })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(continuousMove(session, profile, {})).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(gotoPreset(session, profile, 'x'.repeat(65))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('a camera without PTZ says so', async () => {
    const fixed = await startSimOnvifDevice({ discovery: false, noPtz: true });
    try {
      const onboarded = await onboardDevice({ xaddr: fixed.xaddr, username: 'admin', password: 'admin123' });
      expect(onboarded.ptz).toBe(false);
      const fixedSession = await connectDevice({ xaddr: fixed.xaddr, username: 'admin', password: 'admin123' });
      await expect(stopMove(fixedSession, 'profile_main')).rejects.toMatchObject({ code: 'NO_PTZ_SERVICE' });
    } finally {
      await fixed.stop();
    }
  });
});
