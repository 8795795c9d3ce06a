/**
 * What every ONVIF call needs to know about one device: where its services
 * live, how to log in, and how far its clock is from ours. Plain data, so the
 * engine can keep one per camera and rebuild it with connectDevice().
 */
import type { SoapEndpoint } from './soap.ts';
import type { Credentials } from './wsse.ts';

export interface ServiceAddresses {
  device: string;
  media?: string;
  media2?: string;
  ptz?: string;
  events?: string;
}

export interface OnvifSession {
  /** The device service URL we were given (the xaddr). */
  deviceUrl: string;
  credentials?: Credentials;
  /** Camera clock minus local clock, in ms. Updated by measureClockOffset(). */
  clockOffsetMs: number;
  timeoutMs: number;
  maxResponseBytes?: number;
  /** Check https:// certificates (default true). */
  rejectUnauthorized?: boolean;
  services: ServiceAddresses;
}

/** The SOAP endpoint for one of the session's services. */
export function endpointFor(session: OnvifSession, url: string, extra: Partial<SoapEndpoint> = {}): SoapEndpoint {
  return {
    url,
    credentials: session.credentials,
    clockOffsetMs: session.clockOffsetMs,
    timeoutMs: session.timeoutMs,
    maxResponseBytes: session.maxResponseBytes,
    rejectUnauthorized: session.rejectUnauthorized,
    ...extra,
  };
}
