/**
 * The simulated device reads requests with fast-xml-parser, deliberately not
 * with the engine's own parser: client and device then share no XML code, so
 * a parsing mistake on one side cannot hide the same mistake on the other.
 */
import { XMLParser } from 'fast-xml-parser';

export type XmlNode = Record<string, unknown>;

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
});

export interface SimRequest {
  /** Local name of the first element in the Body, e.g. "GetProfiles". */
  operation: string;
  body: XmlNode;
  header: XmlNode;
}

export function parseRequest(xml: string): SimRequest | undefined {
  try {
    const document = parser.parse(xml) as XmlNode;
    const envelope = node(document, 'Envelope');
    const body = node(envelope, 'Body');
    const operation = Object.keys(body).find((key) => !key.startsWith('@_'));
    if (!operation) return undefined;
    return { operation, body: node(body, operation), header: node(envelope, 'Header') };
  } catch {
    return undefined;
  }
}

/** A child object ({} when absent or a bare string). */
export function node(parent: unknown, name: string): XmlNode {
  const value = (parent as XmlNode | undefined)?.[name];
  if (Array.isArray(value)) return (value[0] ?? {}) as XmlNode;
  return value && typeof value === 'object' ? (value as XmlNode) : {};
}

/** Text of a child, whether it was parsed as a string or as {#text, @_attrs}. */
export function text(parent: unknown, name: string): string | undefined {
  const value = (parent as XmlNode | undefined)?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  if (typeof first === 'string') return first;
  if (first && typeof first === 'object' && typeof (first as XmlNode)['#text'] === 'string') return (first as XmlNode)['#text'] as string;
  return undefined;
}

export function attribute(element: XmlNode, name: string): string | undefined {
  const value = element[`@_${name}`];
  return typeof value === 'string' ? value : undefined;
}

/** "PT5S", "PT1M30S", "PT0.5S" → ms; an absolute xsd:dateTime → ms from `now`; undefined otherwise. */
export function parseDurationMs(value: string | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const match = /^PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?$/.exec(value.trim());
  if (match && (match[1] || match[2] || match[3])) {
    return (Number(match[1] ?? 0) * 3600 + Number(match[2] ?? 0) * 60 + Number(match[3] ?? 0)) * 1000;
  }
  const absolute = Date.parse(value);
  return Number.isFinite(absolute) ? absolute - now : undefined;
}
