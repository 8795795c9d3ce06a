/**
 * Onboarding: from an address and a login to everything the recorder needs,
 * in the order that gives the most useful error first —
 *   clock (unauthenticated: proves the address and TLS situation),
 *   services, device information (first call that needs the password),
 *   profiles, main/sub choice, stream URIs, snapshot URI.
 * The result never holds credentials, so it can be stored, logged or sent to
 * the UI as is.
 */
import { connectDevice, getDeviceInformation, type DeviceInformation } from './device.ts';
import { OnvifError, isOnvifError } from './errors.ts';
import { getProfiles, getSnapshotUri, getStreamUri } from './media.ts';
import { chooseProfiles, type MediaProfile } from './profiles.ts';
import type { ServiceAddresses } from './session.ts';
import { hostLabel } from './http.ts';
import { parseHttpUrl } from './soap.ts';

export interface OnboardOptions {
  /** The device service address, e.g. http://192.168.1.20/onvif/device_service. */
  xaddr: string;
  username: string;
  password: string;
  /** Per-request deadline (default 5000 ms). */
  timeoutMs?: number;
  /** Check https:// certificates (default true). */
  rejectUnauthorized?: boolean;
}

/** A media profile as reported after onboarding (PTZ capability is reported per device instead). */
export type OnboardedProfile = Omit<MediaProfile, 'ptz'>;

export interface ChosenStream {
  profileToken: string;
  /** rtsp:// or rtsps://, on the device's host, without credentials. */
  streamUri: string;
}

export interface OnboardResult {
  device: DeviceInformation;
  /** Camera clock minus local clock, ms. */
  clockOffsetMs: number;
  profiles: OnboardedProfile[];
  main: ChosenStream;
  sub?: ChosenStream;
  snapshotUri?: string;
  ptz: boolean;
  /** A profile token with a PTZ configuration, for PTZ calls. */
  ptzProfileToken?: string;
  events: boolean;
  services: ServiceAddresses;
  /** Things that did not stop onboarding but the user may want to know (e.g. an unusable sub stream). */
  warnings: string[];
}

export async function onboardDevice(options: OnboardOptions): Promise<OnboardResult> {
  const where = hostLabel(parseHttpUrl(options.xaddr));
  try {
    return await onboard(options);
  } catch (error) {
    if (isOnvifError(error)) throw error;
    // Anything else is our bug meeting odd input: keep the contract of typed errors.
    throw new OnvifError('BAD_RESPONSE', `Unexpected failure while setting up the camera at ${where}`, { cause: error });
  }
}

async function onboard(options: OnboardOptions): Promise<OnboardResult> {
  const session = await connectDevice(options);
  const device = await getDeviceInformation(session);
  // Throws NO_MEDIA_SERVICE when the device has no media service at all.
  const profiles = await getProfiles(session);
  if (profiles.length === 0) {
    throw new OnvifError('NO_PROFILES', 'The camera returned no video profiles; set up a stream in its web page first');
  }
  const choice = chooseProfiles(profiles);
  const warnings: string[] = [];
  const main: ChosenStream = { profileToken: choice.main.token, streamUri: await getStreamUri(session, choice.main.token) };

  let sub: ChosenStream | undefined;
  if (choice.sub) {
    try {
      sub = { profileToken: choice.sub.token, streamUri: await getStreamUri(session, choice.sub.token) };
    } catch (error) {
      if (!isOnvifError(error) || error.code === 'AUTH_FAILED') throw error;
      warnings.push(`No sub stream: ${error.message}`);
    }
  }
  const snapshotUri = await getSnapshotUri(session, main.profileToken);
  const ptzProfile: MediaProfile | undefined = choice.main.ptz ? choice.main : profiles.find((p) => p.ptz);
  const ptz = Boolean(session.services.ptz && ptzProfile);

  return {
    device,
    clockOffsetMs: session.clockOffsetMs,
    profiles: profiles.map(({ token, name, encoding, width, height, fps }) => ({ token, name, encoding, width, height, fps })),
    main,
    ...(sub ? { sub } : {}),
    ...(snapshotUri ? { snapshotUri } : {}),
    ptz,
    ...(ptz && ptzProfile ? { ptzProfileToken: ptzProfile.token } : {}),
    events: Boolean(session.services.events),
    services: session.services,
    warnings,
  };
}
