/**
 * Media service: profiles, stream URIs and snapshot URIs. Media v1 (Profile S)
 * is used when the camera has it; Media2 (Profile T) only when it is all the
 * camera offers.
 */
import { OnvifError } from './errors.ts';
import { normalizeEncoding, type MediaProfile } from './profiles.ts';
import { endpointFor, type OnvifSession } from './session.ts';
import { soapCall } from './soap.ts';
import { cleanText, isValidToken } from './text.ts';
import { acceptSnapshotUri, acceptStreamUri } from './urls.ts';
import { child, escapeXml, find, path, textOf, type XmlElement } from './xml.ts';

const MAX_PROFILES = 64;

interface MediaService {
  url: string;
  version: 1 | 2;
}

function mediaService(session: OnvifSession): MediaService {
  if (session.services.media) return { url: session.services.media, version: 1 };
  if (session.services.media2) return { url: session.services.media2, version: 2 };
  throw new OnvifError('NO_MEDIA_SERVICE', 'The device has no media service, so it has no video streams to record');
}

export async function getProfiles(session: OnvifSession): Promise<MediaProfile[]> {
  const service = mediaService(session);
  const request = service.version === 1 ? '<trt:GetProfiles/>' : '<tr2:GetProfiles><tr2:Type>All</tr2:Type></tr2:GetProfiles>';
  const body = await soapCall(endpointFor(session, service.url), request);
  const response = child(body, 'GetProfilesResponse');
  if (!response) throw new OnvifError('BAD_RESPONSE', 'The camera answered GetProfiles without a profile list');
  const profiles: MediaProfile[] = [];
  for (const el of response.children.filter((c) => c.name === 'Profiles').slice(0, MAX_PROFILES)) {
    const profile = service.version === 1 ? readV1Profile(el) : readV2Profile(el);
    if (profile) profiles.push(profile);
  }
  return profiles;
}

function readV1Profile(el: XmlElement): MediaProfile | undefined {
  const encoder = child(el, 'VideoEncoderConfiguration');
  return readProfile(el, encoder, Boolean(child(el, 'PTZConfiguration')));
}

function readV2Profile(el: XmlElement): MediaProfile | undefined {
  const configurations = child(el, 'Configurations');
  return readProfile(el, child(configurations, 'VideoEncoder'), Boolean(child(configurations, 'PTZ')));
}

function readProfile(el: XmlElement, encoder: XmlElement | undefined, ptz: boolean): MediaProfile | undefined {
  const token = el.attrs.token;
  if (!isValidToken(token) || !encoder) return undefined;
  const dimension = (name: string) => {
    const value = Number(textOf(path(encoder, 'Resolution', name)));
    return Number.isInteger(value) && value > 0 && value <= 16384 ? value : 0;
  };
  const fps = Number(textOf(path(encoder, 'RateControl', 'FrameRateLimit')));
  return {
    token,
    name: cleanText(textOf(child(el, 'Name')), 64) || token,
    encoding: normalizeEncoding(textOf(child(encoder, 'Encoding'))),
    width: dimension('Width'),
    height: dimension('Height'),
    fps: Number.isFinite(fps) && fps > 0 && fps <= 1000 ? fps : 0,
    ptz,
  };
}

function uriFrom(body: XmlElement): string | undefined {
  // Media v1: <MediaUri><Uri>…; Media2: <Uri>… directly in the response.
  return textOf(find(body, 'Uri'));
}

/** The RTSP (RTP-Unicast) URI of a profile, checked and stripped of credentials. */
export async function getStreamUri(session: OnvifSession, profileToken: string): Promise<string> {
  const service = mediaService(session);
  const token = escapeXml(profileToken);
  const request =
    service.version === 1
      ? '<trt:GetStreamUri><trt:StreamSetup><tt:Stream>RTP-Unicast</tt:Stream><tt:Transport><tt:Protocol>RTSP</tt:Protocol></tt:Transport></trt:StreamSetup>' +
        `<trt:ProfileToken>${token}</trt:ProfileToken></trt:GetStreamUri>`
      : `<tr2:GetStreamUri><tr2:Protocol>RTSP</tr2:Protocol><tr2:ProfileToken>${token}</tr2:ProfileToken></tr2:GetStreamUri>`;
  const body = await soapCall(endpointFor(session, service.url), request);
  const uri = uriFrom(body);
  if (!uri) throw new OnvifError('BAD_STREAM_URI', `The camera gave no stream address for profile "${profileToken}"`);
  return acceptStreamUri(uri, new URL(session.deviceUrl), profileToken, session.credentials?.username);
}

/** The JPEG snapshot URI of a profile, or undefined when the camera has none (or an unusable one). */
export async function getSnapshotUri(session: OnvifSession, profileToken: string): Promise<string | undefined> {
  const service = mediaService(session);
  const prefix = service.version === 1 ? 'trt' : 'tr2';
  try {
    const body = await soapCall(
      endpointFor(session, service.url),
      `<${prefix}:GetSnapshotUri><${prefix}:ProfileToken>${escapeXml(profileToken)}</${prefix}:ProfileToken></${prefix}:GetSnapshotUri>`,
    );
    return acceptSnapshotUri(uriFrom(body), new URL(session.deviceUrl), session.credentials?.username);
  } catch (error) {
    // Snapshots are optional; a camera refusing them must not stop onboarding.
    if (error instanceof OnvifError) return undefined;
    throw error;
  }
}
