/**
 * PTZ on the user's behalf: continuous move/zoom with a camera-side timeout
 * (so a lost Stop cannot leave the camera turning), stop, presets, home.
 */
import {
  continuousMove,
  getPresets,
  gotoHomePosition,
  gotoPreset,
  OnvifError,
  removePreset,
  setPreset,
  stopMove,
  zoom,
  type OnvifSession,
} from '../onvif/index.ts';
import type { z } from 'zod';
import type { PtzInput as PtzSchema, PtzPreset, PtzResult } from '../../../preload/api.ts';
import type { OnvifDeviceRow } from '../storage/onvif-index.ts';
import { asApi } from './api-errors.ts';
import type { DeviceSessions } from './device-sessions.ts';

type Command = z.output<typeof PtzSchema>;

/** How long a continuous move lasts when the client gives no timeout. */
export const DEFAULT_MOVE_SECONDS = 10;

export class PtzControl {
  constructor(private readonly sessions: DeviceSessions) {}

  run(command: Command): Promise<PtzResult> {
    return asApi(() =>
      this.sessions.use(command.id, async (session, device) => {
        const profile = ptzProfile(device);
        return { action: command.action, presetToken: await perform(session, profile, command) };
      }),
    );
  }

  presets(cameraId: number): Promise<PtzPreset[]> {
    return asApi(() => this.sessions.use(cameraId, (session, device) => getPresets(session, ptzProfile(device))));
  }
}

function ptzProfile(device: OnvifDeviceRow): string {
  if (!device.ptzProfile) throw new OnvifError('NO_PTZ_SERVICE', 'This camera cannot pan, tilt or zoom (it has no PTZ service)');
  return device.ptzProfile;
}

async function perform(session: OnvifSession, profile: string, command: Command): Promise<string | null> {
  switch (command.action) {
    case 'move':
      await continuousMove(session, profile, { pan: command.pan, tilt: command.tilt, zoom: command.zoom }, command.timeoutSeconds ?? DEFAULT_MOVE_SECONDS);
      return null;
    case 'zoom':
      await zoom(session, profile, command.speed, command.timeoutSeconds ?? DEFAULT_MOVE_SECONDS);
      return null;
    case 'stop':
      await stopMove(session, profile, { panTilt: command.panTilt, zoom: command.zoom });
      return null;
    case 'home':
      await gotoHomePosition(session, profile);
      return null;
    case 'preset':
      if (command.preset === 'goto') {
        await gotoPreset(session, profile, command.token!);
        return command.token!;
      }
      if (command.preset === 'remove') {
        await removePreset(session, profile, command.token!);
        return command.token!;
      }
      return setPreset(session, profile, { name: command.name, presetToken: command.token });
  }
}

