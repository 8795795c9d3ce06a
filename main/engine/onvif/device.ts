/**
 * Device service: the camera's clock, identity and where its other services live.
 */
import { OnvifError, isOnvifError, type OnvifErrorCode } from './errors.ts';
import { endpointFor, type OnvifSession, type ServiceAddresses } from './session.ts';
import { DEFAULT_TIMEOUT_MS, NS, parseHttpUrl, soapCall, type SoapEndpoint } from './soap.ts';
import { cleanText } from './text.ts';
import { rebaseServiceUrl } from './urls.ts';
import { child, childrenNamed, find, path, textOf, type XmlElement } from './xml.ts';
import type { Credentials } from './wsse.ts';

export interface CameraClock {
  /** The camera's UTC time when it answered, if it reported one we could read. */
  cameraUtcMs?: number;
  /** Camera clock minus local clock (0 when unknown). */
  clockOffsetMs: number;
}

/**
 * GetSystemDateAndTime needs no login (ONVIF core spec), which is what makes
 * it usable to measure the clock offset *before* the first authenticated call.
 * The offset is taken against the midpoint of the round trip.
 */
export async function getSystemDateAndTime(endpoint: SoapEndpoint, now: () => number = Date.now): Promise<CameraClock> {
  const sentAt = now();
  const body = await soapCall({ ...endpoint, credentials: undefined }, '<tds:GetSystemDateAndTime/>');
  const receivedAt = now();
  const cameraUtcMs = readUtcDateTime(find(body, 'UTCDateTime'));
  if (cameraUtcMs === undefined) return { clockOffsetMs: 0 };
  return { cameraUtcMs, clockOffsetMs: Math.round(cameraUtcMs - (sentAt + receivedAt) / 2) };
}

function readUtcDateTime(el: XmlElement | undefined): number | undefined {
  const number = (...names: string[]) => {
    const text = textOf(path(el, ...names));
    return text !== undefined && /^\d{1,4}$/.test(text) ? Number(text) : NaN;
  };
  const [year, month, day] = [number('Date', 'Year'), number('Date', 'Month'), number('Date', 'Day')];
  const [hour, minute, second] = [number('Time', 'Hour'), number('Time', 'Minute'), number('Time', 'Second')];
  const valid =
    year >= 1970 && year <= 9999 && month >= 1 && month <= 12 && day >= 1 && day <= 31 &&
    hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59 && second >= 0 && second <= 60;
  return valid ? Date.UTC(year, month - 1, day, hour, minute, second) : undefined;
}

/** Re-measures the session's clock offset in place (cameras without NTP drift). */
export async function measureClockOffset(session: OnvifSession): Promise<number> {
  const clock = await getSystemDateAndTime(endpointFor(session, session.services.device));
  session.clockOffsetMs = clock.clockOffsetMs;
  return clock.clockOffsetMs;
}

export interface DeviceInformation {
  manufacturer: string;
  model: string;
  firmware: string;
  serial: string;
  hardwareId: string;
}

export async function getDeviceInformation(session: OnvifSession): Promise<DeviceInformation> {
  const body = await soapCall(endpointFor(session, session.services.device), '<tds:GetDeviceInformation/>');
  const info = child(body, 'GetDeviceInformationResponse');
  if (!info) throw new OnvifError('BAD_RESPONSE', 'The camera answered GetDeviceInformation without device information');
  const field = (name: string) => cleanText(textOf(child(info, name)), 128);
  return {
    manufacturer: field('Manufacturer'),
    model: field('Model'),
    firmware: field('FirmwareVersion'),
    serial: field('SerialNumber'),
    hardwareId: field('HardwareId'),
  };
}

const SERVICE_BY_NAMESPACE = new Map<string, keyof ServiceAddresses>([
  [NS.device, 'device'],
  [NS.media, 'media'],
  [NS.media2, 'media2'],
  [NS.ptz, 'ptz'],
  [NS.events, 'events'],
]);

const FATAL_FOR_FALLBACK = new Set<OnvifErrorCode>(['AUTH_FAILED', 'UNREACHABLE', 'TIMEOUT', 'TLS_REQUIRED', 'TLS_FAILED', 'ABORTED']);

/** GetServices (ONVIF 2.x), falling back to GetCapabilities for older devices. */
export async function getServiceAddresses(session: OnvifSession): Promise<ServiceAddresses> {
  const deviceUrl = parseHttpUrl(session.deviceUrl);
  const services: ServiceAddresses = { device: session.deviceUrl };
  try {
    const body = await soapCall(
      endpointFor(session, session.deviceUrl),
      '<tds:GetServices><tds:IncludeCapability>false</tds:IncludeCapability></tds:GetServices>',
    );
    for (const service of childrenNamed(child(body, 'GetServicesResponse'), 'Service')) {
      const key = SERVICE_BY_NAMESPACE.get(textOf(child(service, 'Namespace')) ?? '');
      const url = rebaseServiceUrl(textOf(child(service, 'XAddr')), deviceUrl);
      if (key && key !== 'device' && url && !services[key]) services[key] = url;
    }
    return services;
  } catch (error) {
    // Login, network and TLS problems would hit GetCapabilities just the same; anything else may be old firmware.
    if (!isOnvifError(error) || FATAL_FOR_FALLBACK.has(error.code)) throw error;
  }
  const body = await soapCall(
    endpointFor(session, session.deviceUrl),
    '<tds:GetCapabilities><tds:Category>All</tds:Category></tds:GetCapabilities>',
  );
  const capabilities = find(body, 'Capabilities');
  const xaddr = (name: string) => rebaseServiceUrl(textOf(path(capabilities, name, 'XAddr')), deviceUrl);
  services.media = xaddr('Media');
  services.ptz = xaddr('PTZ');
  services.events = xaddr('Events');
  return services;
}

export interface ConnectOptions {
  xaddr: string;
  username?: string;
  password?: string;
  timeoutMs?: number;
  maxResponseBytes?: number;
  rejectUnauthorized?: boolean;
}

/**
 * Measures the clock, then finds the services. The unauthenticated clock call
 * doubles as the reachability check, so "unreachable" and "TLS" errors come
 * before any password is sent.
 */
export async function connectDevice(options: ConnectOptions): Promise<OnvifSession> {
  parseHttpUrl(options.xaddr);
  const credentials: Credentials | undefined =
    options.username !== undefined && options.username !== ''
      ? { username: options.username, password: options.password ?? '' }
      : undefined;
  const session: OnvifSession = {
    deviceUrl: options.xaddr,
    credentials,
    clockOffsetMs: 0,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    maxResponseBytes: options.maxResponseBytes,
    rejectUnauthorized: options.rejectUnauthorized,
    services: { device: options.xaddr },
  };
  try {
    await measureClockOffset(session);
  } catch (error) {
    // Some firmware wants a login even for the clock; carry on with offset 0.
    if (!isOnvifError(error, 'AUTH_FAILED')) throw error;
  }
  session.services = await getServiceAddresses(session);
  return session;
}
