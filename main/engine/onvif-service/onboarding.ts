/**
 * From an ONVIF address and a login to a recording camera: try the device
 * (probe: device info, profiles, automatic main/sub choice, a preview
 * picture — nothing saved), add it, change its profiles later, re-read it.
 *
 * Identity: a new device never changes an existing camera. Adding the same
 * device again (same address, or same endpoint reference or serial on the
 * same host) is refused as a conflict; a device on another host that claims
 * an existing camera's endpoint reference is simply a different device.
 */
import {
  connectDevice,
  getDeviceInformation,
  getProfiles,
  getSnapshotUri,
  getStreamUri,
  onboardDevice,
  OnvifError,
  type MediaProfile,
  type OnboardResult,
  type OnboardedProfile,
  type OnvifSession,
} from '../onvif/index.ts';
import type { AddedCamera, OnvifCameraDetails, OnvifProbe } from '../../../preload/api.ts';
import { rtspUrlProblem } from '../../../preload/api.ts';
import type { z } from 'zod';
import type { OnvifAddCameraInput as OnvifAddSchema, OnvifProbeInput as OnvifProbeSchema } from '../../../preload/api.ts';
import type { CameraService } from '../cameras/camera-service.ts';
import type { OnvifDeviceRow, OnvifProfileRecord } from '../storage/onvif-index.ts';
import type { Store } from '../storage/store.ts';
import { ApiFailure, conflict, invalid } from '../errors.ts';
import { asApi } from './api-errors.ts';
import type { DeviceSessions } from './device-sessions.ts';
import type { EventWatchers } from './event-watchers.ts';
import type { Snapshots } from './snapshots.ts';

type ProbeInput = z.output<typeof OnvifProbeSchema>;
type AddInput = z.output<typeof OnvifAddSchema>;

export interface OnboardingDeps {
  store: Store;
  cameras: CameraService;
  sessions: DeviceSessions;
  watchers: EventWatchers;
  snapshots: Snapshots;
  /** Per-request deadline towards devices (default 5000 ms). */
  timeoutMs?: number;
}

const recordable = (p: { encoding: string; width: number; height: number }) =>
  (p.encoding === 'H264' || p.encoding === 'H265') && p.width > 0 && p.height > 0;

export class Onboarding {
  constructor(private readonly deps: OnboardingDeps) {}

  /** Everything the Add flow shows before the user confirms. Saves nothing. */
  async probe(input: ProbeInput): Promise<OnvifProbe> {
    const result = await this.onboard(input);
    let snapshot: OnvifProbe['snapshot'] = null;
    let snapshotError: string | null = null;
    try {
      const picture = await this.deps.snapshots.ofDevice({
        snapshotUri: result.snapshotUri,
        streamUrl: result.sub?.streamUri ?? result.main.streamUri,
        username: input.username,
        password: input.password,
        rejectUnauthorized: !input.acceptSelfSigned,
      });
      snapshot = {
        contentType: picture.contentType,
        dataUrl: `data:${picture.contentType};base64,${picture.body.toString('base64')}`,
        source: picture.source,
        takenAt: picture.takenAt,
      };
    } catch (error) {
      snapshotError = (error as Error).message;
    }
    const existing = this.existingCamera(input.xaddr, input.endpointRef, result.device.serial);
    return {
      xaddr: input.xaddr,
      device: result.device,
      profiles: result.profiles,
      mainProfile: result.main.profileToken,
      subProfile: result.sub?.profileToken ?? null,
      recordableProfiles: result.profiles.filter(recordable).map((p) => p.token),
      ptz: result.ptz,
      events: result.events,
      clockOffsetMs: Math.round(result.clockOffsetMs),
      snapshot,
      snapshotError,
      warnings: result.warnings,
      existingCamera: existing ? { id: existing.cameraId, name: this.deps.store.getCamera(existing.cameraId)?.name ?? '' } : null,
      suggestedName: suggestName(result),
    };
  }

  /** POST /api/cameras with `onvif`: onboard, then record. */
  async add(input: AddInput): Promise<AddedCamera> {
    const login = input.onvif;
    const result = await this.onboard(login);
    const existing = this.existingCamera(login.xaddr, login.endpointRef, result.device.serial);
    if (existing) {
      const name = this.deps.store.getCamera(existing.cameraId)?.name ?? `camera ${existing.cameraId}`;
      throw conflict(`this device is already added as camera "${name}" (id ${existing.cameraId})`);
    }
    const streams = await this.chosenStreams(login, result, login.mainProfile, login.subProfile);
    const hasLogin = login.username !== '' || login.password !== '';
    const camera = await this.deps.cameras.add(
      {
        name: input.name ?? suggestName(result),
        mainUrl: streams.mainUrl,
        subUrl: streams.subUrl,
        username: hasLogin ? login.username : undefined,
        password: hasLogin ? login.password : undefined,
        enabled: input.enabled,
        retention: input.retention,
      },
      'onvif',
    );
    try {
      this.deps.store.onvif.saveDevice({
        cameraId: camera.id,
        xaddr: login.xaddr,
        endpointRef: login.endpointRef ?? null,
        ...result.device,
        mainProfile: streams.mainProfile,
        subProfile: streams.subProfile,
        profiles: result.profiles,
        snapshotUri: streams.snapshotUri,
        ptzProfile: result.ptz ? (result.ptzProfileToken ?? null) : null,
        hasEvents: result.events,
        clockOffsetMs: result.clockOffsetMs,
        acceptSelfSigned: Boolean(login.acceptSelfSigned),
      });
    } catch (error) {
      await this.deps.cameras.remove(camera.id);
      throw error;
    }
    await this.deps.watchers.sync(camera.id);
    return { ...this.deps.cameras.get(camera.id), onvif: { ...this.details(camera.id), warnings: [...result.warnings, ...streams.warnings] } };
  }

  /** PATCH /api/cameras/:id/onvif: record another profile as main or sub. */
  async setProfiles(cameraId: number, mainProfile: string, subProfile: string | null): Promise<OnvifCameraDetails> {
    const chosen = await asApi(() =>
      this.deps.sessions.use(cameraId, async (session) => {
        const profiles = await getProfiles(session);
        checkChoice(profiles, mainProfile, subProfile);
        const mainUrl = await getStreamUri(session, mainProfile);
        const subUrl = subProfile ? await getStreamUri(session, subProfile) : null;
        const snapshotUri = (await getSnapshotUri(session, mainProfile)) ?? null;
        return { profiles, mainUrl, subUrl, snapshotUri };
      }),
    );
    checkRtsp(chosen.mainUrl, chosen.subUrl);
    const device = this.deps.store.onvif.getDevice(cameraId)!;
    this.deps.store.transaction(() => {
      this.deps.store.onvif.saveDevice({ ...device, profiles: chosen.profiles.map(profileRecord) });
      this.deps.store.onvif.setProfiles(cameraId, mainProfile, subProfile, chosen.snapshotUri);
    });
    await this.deps.cameras.update({ id: cameraId, mainUrl: chosen.mainUrl, subUrl: chosen.subUrl });
    return this.details(cameraId);
  }

  /** Asks the camera again who it is and what it offers; keeps the chosen profiles when they still exist. */
  async refresh(cameraId: number): Promise<OnvifCameraDetails> {
    await asApi(() =>
      this.deps.sessions.use(cameraId, async (session, device) => {
        const info = await getDeviceInformation(session);
        const profiles = await getProfiles(session);
        if (!profiles.some((p) => p.token === device.mainProfile)) {
          throw new OnvifError('NO_PROFILES', `The camera no longer has the profile "${device.mainProfile}" this camera records; choose another main profile`);
        }
        const ptzProfile = session.services.ptz ? (profiles.find((p) => p.token === device.mainProfile && p.ptz) ?? profiles.find((p) => p.ptz))?.token ?? null : null;
        this.deps.store.onvif.saveDevice({
          ...device,
          ...info,
          profiles: profiles.map(profileRecord),
          subProfile: device.subProfile && profiles.some((p) => p.token === device.subProfile) ? device.subProfile : null,
          ptzProfile,
          hasEvents: Boolean(session.services.events),
          clockOffsetMs: session.clockOffsetMs,
        });
      }),
    );
    await this.deps.watchers.sync(cameraId);
    return this.details(cameraId);
  }

  details(cameraId: number): OnvifCameraDetails {
    const device = this.deps.sessions.login(cameraId).device;
    const streams = this.deps.store.listStreams(cameraId);
    return describeDevice(device, streams, this.deps.watchers.status(cameraId));
  }

  /** The camera that already is this device, if any (see the file comment). */
  existingCamera(xaddr: string, endpointRef: string | undefined, serial: string): OnvifDeviceRow | undefined {
    const host = new URL(xaddr).hostname;
    return this.deps.store.onvif.listDevices().find((d) => {
      if (d.xaddr === xaddr) return true;
      if (new URL(d.xaddr).hostname !== host) return false;
      return (endpointRef !== undefined && d.endpointRef === endpointRef) || (serial !== '' && d.serial === serial);
    });
  }

  private onboard(login: Pick<ProbeInput, 'xaddr' | 'username' | 'password' | 'acceptSelfSigned'>): Promise<OnboardResult> {
    return asApi(() =>
      onboardDevice({
        xaddr: login.xaddr,
        username: login.username,
        password: login.password,
        timeoutMs: this.deps.timeoutMs,
        rejectUnauthorized: !login.acceptSelfSigned,
      }),
    );
  }

  /** The automatic main/sub choice, or the user's (which needs the stream addresses of other profiles). */
  private async chosenStreams(
    login: AddInput['onvif'],
    result: OnboardResult,
    mainProfile: string | undefined,
    subProfile: string | null | undefined,
  ): Promise<{ mainProfile: string; subProfile: string | null; mainUrl: string; subUrl: string | null; snapshotUri: string | null; warnings: string[] }> {
    const main = mainProfile ?? result.main.profileToken;
    const sub = subProfile === undefined ? (result.sub?.profileToken ?? null) : subProfile;
    const automatic = main === result.main.profileToken && sub === (result.sub?.profileToken ?? null);
    if (automatic) {
      checkRtsp(result.main.streamUri, result.sub?.streamUri ?? null);
      return { mainProfile: main, subProfile: sub, mainUrl: result.main.streamUri, subUrl: result.sub?.streamUri ?? null, snapshotUri: result.snapshotUri ?? null, warnings: [] };
    }
    checkChoice(result.profiles, main, sub);
    const session: OnvifSession = await asApi(() =>
      connectDevice({ xaddr: login.xaddr, username: login.username, password: login.password, timeoutMs: this.deps.timeoutMs, rejectUnauthorized: !login.acceptSelfSigned }),
    );
    const mainUrl = main === result.main.profileToken ? result.main.streamUri : await asApi(() => getStreamUri(session, main));
    const subUrl = sub === null ? null : sub === result.sub?.profileToken ? result.sub.streamUri : await asApi(() => getStreamUri(session, sub));
    checkRtsp(mainUrl, subUrl);
    const snapshotUri = main === result.main.profileToken ? (result.snapshotUri ?? null) : ((await asApi(() => getSnapshotUri(session, main))) ?? null);
    return { mainProfile: main, subProfile: sub, mainUrl, subUrl, snapshotUri, warnings: [] };
  }
}

/** The profiles named must exist and be recordable, and differ from each other. */
function checkChoice(profiles: Array<OnboardedProfile | MediaProfile>, main: string, sub: string | null): void {
  const find = (token: string, role: string) => {
    const profile = profiles.find((p) => p.token === token);
    if (!profile) throw invalid(`the camera has no profile "${token}" (for the ${role} stream)`);
    if (!recordable(profile)) throw invalid(`profile "${profile.name}" is ${profile.encoding}, not H.264 or H.265, so it cannot be the ${role} stream`);
    return profile;
  };
  find(main, 'main');
  if (sub !== null) {
    if (sub === main) throw invalid('the main and sub streams must be different profiles');
    find(sub, 'sub');
  }
}

/** The project's own RTSP rule has the last word on anything that reaches ffmpeg. */
function checkRtsp(mainUrl: string, subUrl: string | null): void {
  for (const url of [mainUrl, subUrl]) {
    if (url === null) continue;
    const problem = rtspUrlProblem(url);
    if (problem) throw new ApiFailure('invalid_input', `The camera's stream address is not usable: ${problem}`);
  }
}

function profileRecord(p: OnvifProfileRecord | MediaProfile | OnboardedProfile): OnvifProfileRecord {
  return { token: p.token, name: p.name, encoding: p.encoding, width: p.width, height: p.height, fps: p.fps };
}

function suggestName(result: OnboardResult): string {
  const name = [result.device.manufacturer, result.device.model].filter(Boolean).join(' ').trim() || new URL(result.services.device).hostname;
  return name.slice(0, 100);
}

export function describeDevice(
  device: OnvifDeviceRow,
  streams: Array<{ kind: string; url: string }>,
  events: { state: OnvifCameraDetails['events']['state']; lastError: string | null },
): OnvifCameraDetails {
  return {
    cameraId: device.cameraId,
    xaddr: device.xaddr,
    endpointRef: device.endpointRef,
    device: { manufacturer: device.manufacturer, model: device.model, firmware: device.firmware, serial: device.serial, hardwareId: device.hardwareId },
    profiles: device.profiles.map(profileRecord),
    mainProfile: device.mainProfile,
    subProfile: device.subProfile,
    mainStreamUrl: streams.find((s) => s.kind === 'main')?.url ?? '',
    subStreamUrl: streams.find((s) => s.kind === 'sub')?.url ?? null,
    ptz: device.ptzProfile !== null,
    snapshot: device.snapshotUri !== null,
    events: { supported: device.hasEvents, state: events.state, lastError: events.lastError },
    clockOffsetMs: Math.round(device.clockOffsetMs),
    acceptSelfSigned: device.acceptSelfSigned,
    warnings: [],
  };
}

