/**
 * WS-Discovery messages: the Probe we send and the ProbeMatches we accept.
 * Answers arrive as UDP datagrams from anyone on the LAN, so parsing is
 * strict and bounded: a ProbeMatch without a usable http(s) XAddr (file:,
 * garbage, oversized) is dropped, never half-used.
 */
import { randomUUID } from 'node:crypto';
import { NS } from './soap.ts';
import { cleanText, safeDecode } from './text.ts';
import { child, childrenNamed, parseXml, textOf } from './xml.ts';

export const WS_DISCOVERY_ADDRESS = '239.255.255.250';
export const WS_DISCOVERY_PORT = 3702;

const WSD_NS = 'http://schemas.xmlsoap.org/ws/2005/04/discovery';
const WSA_2004_NS = 'http://schemas.xmlsoap.org/ws/2004/08/addressing';

/** Datagram limits: far above any real ProbeMatch, far below anything that could hurt. */
const DATAGRAM_XML_LIMITS = { maxBytes: 64 * 1024, maxDepth: 32, maxElements: 2000 };
const MAX_MATCHES_PER_MESSAGE = 16;
const MAX_XADDRS = 16;
const MAX_SCOPES = 64;
const MAX_ITEM_LENGTH = 512;

/** What we probe for: ONVIF cameras, and (second probe) any ONVIF device, since some firmware only answers that. */
export const PROBE_TYPES = [
  { prefix: 'dn', ns: 'http://www.onvif.org/ver10/network/wsdl', type: 'NetworkVideoTransmitter' },
  { prefix: 'tds', ns: NS.device, type: 'Device' },
] as const;

export function buildProbe(messageId: string, probeType: (typeof PROBE_TYPES)[number]): Buffer {
  return Buffer.from(
    '<?xml version="1.0" encoding="UTF-8"?>' +
      `<s:Envelope xmlns:s="${NS.soap12}" xmlns:a="${WSA_2004_NS}" xmlns:d="${WSD_NS}" xmlns:${probeType.prefix}="${probeType.ns}">` +
      '<s:Header>' +
      '<a:Action s:mustUnderstand="1">http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</a:Action>' +
      `<a:MessageID>${messageId}</a:MessageID>` +
      '<a:ReplyTo><a:Address>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:Address></a:ReplyTo>' +
      '<a:To s:mustUnderstand="1">urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To>' +
      '</s:Header>' +
      `<s:Body><d:Probe><d:Types>${probeType.prefix}:${probeType.type}</d:Types></d:Probe></s:Body>` +
      '</s:Envelope>',
    'utf8',
  );
}

export function newMessageId(): string {
  return `urn:uuid:${randomUUID()}`;
}

export interface ProbeMatch {
  endpointRef: string;
  /** Only http:// and https:// addresses with a host. */
  xaddrs: string[];
  scopes: string[];
  types: string[];
  /** The MessageID this answers, when the device said. */
  relatesTo?: string;
}

function words(text: string | undefined, max: number): string[] {
  return (text ?? '').split(/\s+/).filter((w) => w && w.length <= MAX_ITEM_LENGTH).slice(0, max);
}

function isUsableXAddr(candidate: string): boolean {
  try {
    const url = new URL(candidate);
    return (url.protocol === 'http:' || url.protocol === 'https:') && !!url.hostname && !url.username && !url.password;
  } catch {
    return false;
  }
}

/**
 * Every valid ProbeMatch in one datagram. Throws OnvifError (XML_*) for
 * unparseable input; callers drop the datagram either way.
 */
export function parseProbeMatches(datagram: Buffer): ProbeMatch[] {
  const envelope = parseXml(datagram, DATAGRAM_XML_LIMITS);
  if (envelope.name !== 'Envelope' || (envelope.ns !== NS.soap12 && envelope.ns !== NS.soap11)) return [];
  const relatesTo = textOf(child(child(envelope, 'Header'), 'RelatesTo'));
  const matches: ProbeMatch[] = [];
  for (const match of childrenNamed(child(child(envelope, 'Body'), 'ProbeMatches'), 'ProbeMatch').slice(0, MAX_MATCHES_PER_MESSAGE)) {
    const rawRef = textOf(child(child(match, 'EndpointReference'), 'Address'));
    if (!rawRef || rawRef.length > 256 || cleanText(rawRef, 256) !== rawRef) continue;
    const xaddrs = words(textOf(child(match, 'XAddrs')), MAX_XADDRS).filter(isUsableXAddr);
    if (xaddrs.length === 0) continue;
    matches.push({
      endpointRef: rawRef,
      xaddrs,
      scopes: words(textOf(child(match, 'Scopes')), MAX_SCOPES),
      types: words(textOf(child(match, 'Types')), 16).map((t) => t.slice(t.lastIndexOf(':') + 1)),
      ...(relatesTo ? { relatesTo } : {}),
    });
  }
  return matches;
}

/**
 * The value of an ONVIF scope such as onvif://www.onvif.org/name/Front%20Door
 * ("Front Door"), or undefined. Several location scopes are joined.
 */
export function scopeValue(scopes: string[], key: 'name' | 'hardware' | 'location'): string | undefined {
  const prefix = `onvif://www.onvif.org/${key}/`;
  const values = scopes
    .filter((scope) => scope.toLowerCase().startsWith(prefix))
    .map((scope) => cleanText(safeDecode(scope.slice(prefix.length)), 128))
    .filter(Boolean);
  if (values.length === 0) return undefined;
  return key === 'location' ? cleanText(values.join(', '), 128) : values[0];
}
