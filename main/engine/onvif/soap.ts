/**
 * SOAP 1.2 over HTTP for ONVIF: build the envelope (with a WS-Security token
 * when we have credentials), POST it with a deadline and a size cap, parse the
 * reply with the hardened parser, and turn SOAP Faults into OnvifErrors that
 * tell a wrong password apart from every other refusal.
 */
import { randomUUID } from 'node:crypto';
import { AUTH_FAILED_MESSAGE, OnvifError } from './errors.ts';
import { hostLabel, httpRequest, tlsRequiredError, type HttpReply } from './http.ts';
import { digestAuthorization, parseDigestChallenges } from './http-digest.ts';
import { child, escapeXml, parseXml, path, textOf, type XmlElement } from './xml.ts';
import { cleanText } from './text.ts';
import { usernameTokenHeader, type Credentials } from './wsse.ts';

export const NS = {
  soap12: 'http://www.w3.org/2003/05/soap-envelope',
  soap11: 'http://schemas.xmlsoap.org/soap/envelope/',
  device: 'http://www.onvif.org/ver10/device/wsdl',
  media: 'http://www.onvif.org/ver10/media/wsdl',
  media2: 'http://www.onvif.org/ver20/media/wsdl',
  ptz: 'http://www.onvif.org/ver20/ptz/wsdl',
  events: 'http://www.onvif.org/ver10/events/wsdl',
  schema: 'http://www.onvif.org/ver10/schema',
  wsnt: 'http://docs.oasis-open.org/wsn/b-2',
  wsa: 'http://www.w3.org/2005/08/addressing',
} as const;

/** Prefixes every request body may use without declaring them. */
const ENVELOPE_OPEN =
  `<s:Envelope xmlns:s="${NS.soap12}" xmlns:tds="${NS.device}" xmlns:trt="${NS.media}" ` +
  `xmlns:tr2="${NS.media2}" xmlns:tptz="${NS.ptz}" xmlns:tev="${NS.events}" xmlns:tt="${NS.schema}" xmlns:wsnt="${NS.wsnt}" xmlns:wsa="${NS.wsa}">`;

export const DEFAULT_TIMEOUT_MS = 5000;
export const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;

/** Where and how to send one SOAP request. */
export interface SoapEndpoint {
  url: string;
  credentials?: Credentials;
  /** Camera clock minus local clock (ms), used to stamp WS-Security tokens. */
  clockOffsetMs?: number;
  timeoutMs?: number;
  maxResponseBytes?: number;
  signal?: AbortSignal;
  /** Check https:// certificates (default true); cameras mostly have self-signed ones. */
  rejectUnauthorized?: boolean;
}

export interface SoapCallOptions {
  /** WS-Addressing action URI; when set, wsa:Action/To/MessageID headers are sent (the events service needs them). */
  action?: string;
  /** More header XML, e.g. ReferenceParameters a subscription told us to echo. */
  headerXml?: string;
}

export function buildEnvelope(bodyXml: string, headerXml = ''): string {
  return `<?xml version="1.0" encoding="UTF-8"?>${ENVELOPE_OPEN}<s:Header>${headerXml}</s:Header><s:Body>${bodyXml}</s:Body></s:Envelope>`;
}

/** Validates an http(s) address given by a user or a camera. */
export function parseHttpUrl(raw: string, what = 'device address'): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new OnvifError('BAD_ADDRESS', `The ${what} is not a valid URL`);
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) {
    throw new OnvifError('BAD_ADDRESS', `The ${what} must be an http:// or https:// URL`);
  }
  if (url.username || url.password) {
    throw new OnvifError('BAD_ADDRESS', `The ${what} must not contain a username or password; pass them separately`);
  }
  return url;
}

function operationName(bodyXml: string): string {
  return /^\s*<(?:[\w.-]+:)?([\w.-]+)/.exec(bodyXml)?.[1] ?? 'the request';
}

/** Sends one request and returns the reply's SOAP Body element. Throws OnvifError. */
export async function soapCall(endpoint: SoapEndpoint, bodyXml: string, options: SoapCallOptions = {}): Promise<XmlElement> {
  const url = parseHttpUrl(endpoint.url);
  const operation = operationName(bodyXml);
  const maxResponseBytes = endpoint.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const contentType = `application/soap+xml; charset=utf-8${options.action ? `; action="${options.action}"` : ''}`;

  const send = (authorization?: string): Promise<HttpReply> => {
    const headerXml =
      (endpoint.credentials
        ? usernameTokenHeader(endpoint.credentials, { clockOffsetMs: endpoint.clockOffsetMs ?? 0 })
        : '') +
      (options.action ? addressingHeaders(options.action, endpoint.url) : '') +
      (options.headerXml ?? '');
    const headers: Record<string, string> = { 'Content-Type': contentType };
    if (authorization) headers.Authorization = authorization;
    return httpRequest(url, buildEnvelope(bodyXml, headerXml), {
      headers,
      timeoutMs: endpoint.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      maxResponseBytes,
      signal: endpoint.signal,
      rejectUnauthorized: endpoint.rejectUnauthorized,
    });
  };

  let reply = await send();
  if (reply.status === 401 && endpoint.credentials) {
    const challenge = parseDigestChallenges(reply.rawHeaders)[0];
    if (challenge) {
      const requestUri = url.pathname + url.search;
      reply = await send(digestAuthorization(challenge, endpoint.credentials, 'POST', requestUri));
    }
  }
  return interpretReply(reply, url, operation, Boolean(endpoint.credentials), maxResponseBytes);
}

function addressingHeaders(action: string, to: string): string {
  return (
    `<wsa:Action s:mustUnderstand="1">${escapeXml(action)}</wsa:Action>` +
    `<wsa:MessageID>urn:uuid:${randomUUID()}</wsa:MessageID>` +
    `<wsa:To s:mustUnderstand="1">${escapeXml(to)}</wsa:To>`
  );
}

function interpretReply(reply: HttpReply, url: URL, operation: string, hadCredentials: boolean, maxBytes: number): XmlElement {
  const where = hostLabel(url);
  if (reply.status >= 300 && reply.status < 400) {
    const location = String(reply.headers.location ?? '');
    if (url.protocol === 'http:' && location.toLowerCase().startsWith('https:')) throw tlsRequiredError(url);
    throw new OnvifError('HTTP_ERROR', `The device at ${where} redirected ${operation} elsewhere (HTTP ${reply.status})`);
  }
  if (reply.status === 401 || reply.status === 403) throw authFailed(hadCredentials, `HTTP ${reply.status}`);
  if (reply.status === 400 && /plain HTTP request was sent to HTTPS|requires? (?:TLS|HTTPS)/i.test(reply.body.toString('latin1', 0, 2048))) {
    throw tlsRequiredError(url);
  }

  const looksLikeXml = /^\s*(?:\uFEFF)?</.test(reply.body.toString('utf8', 0, 64));
  if (!looksLikeXml) {
    if (reply.status >= 400) {
      throw new OnvifError('HTTP_ERROR', `The device at ${where} answered ${operation} with HTTP ${reply.status}`);
    }
    throw new OnvifError('NOT_A_SOAP_RESPONSE', `The device at ${where} did not answer ${operation} with SOAP`);
  }
  const envelope = parseXml(reply.body, { maxBytes });
  const body = child(envelope, 'Body');
  if (envelope.name !== 'Envelope' || (envelope.ns !== NS.soap12 && envelope.ns !== NS.soap11) || !body) {
    throw new OnvifError('NOT_A_SOAP_RESPONSE', `The device at ${where} answered ${operation} with XML that is not a SOAP envelope`);
  }
  const fault = child(body, 'Fault');
  if (fault) throw faultError(fault, where, operation, hadCredentials);
  if (reply.status >= 400) {
    throw new OnvifError('HTTP_ERROR', `The device at ${where} answered ${operation} with HTTP ${reply.status}`);
  }
  return body;
}

function authFailed(hadCredentials: boolean, detail?: string): OnvifError {
  const message = hadCredentials ? AUTH_FAILED_MESSAGE : 'The camera requires a username and password';
  return new OnvifError('AUTH_FAILED', detail ? `${message} (${detail})` : message);
}

const AUTH_SUBCODES = /^(?:NotAuthorized|FailedAuthentication|InvalidSecurity|InvalidSecurityToken|FailedCheck|SecurityTokenUnavailable)$/i;
const NOT_SUPPORTED_SUBCODES = /^(?:ActionNotSupported|ActionNotSupportedFault|NoSuchService|EndpointUnavailable|OperationProhibited)$/i;

/** Reads SOAP 1.2 (Code/Subcode/Reason) and SOAP 1.1 (faultcode/faultstring) faults. */
export function faultError(fault: XmlElement, where: string, operation: string, hadCredentials: boolean): OnvifError {
  const codes: string[] = [];
  for (let code = child(fault, 'Code'); code; code = child(code, 'Subcode')) {
    const value = textOf(child(code, 'Value'));
    if (value) codes.push(value);
  }
  const soap11Code = textOf(child(fault, 'faultcode'));
  if (soap11Code) codes.push(soap11Code);
  const reason = cleanText(textOf(path(fault, 'Reason', 'Text')) ?? textOf(child(fault, 'faultstring')), 200);
  const localCodes = codes.map((c) => c.slice(c.lastIndexOf(':') + 1));
  const subcode = codes.length > 1 ? codes[codes.length - 1] : codes[0];

  if (localCodes.some((c) => AUTH_SUBCODES.test(c)) || /not authori[sz]ed|authentication failed|invalid password/i.test(reason)) {
    const error = authFailed(hadCredentials);
    return new OnvifError('AUTH_FAILED', error.message, { faultSubcode: subcode });
  }
  const what = `The device at ${where} refused ${operation}${reason ? `: ${reason}` : ''}`;
  if (localCodes.some((c) => NOT_SUPPORTED_SUBCODES.test(c)) || /not (?:supported|implemented)/i.test(reason)) {
    return new OnvifError('ACTION_NOT_SUPPORTED', what, { faultSubcode: subcode });
  }
  if (localCodes.some((c) => /^(?:Sender|Client)$/i.test(c))) {
    return new OnvifError('SENDER_FAULT', what, { faultSubcode: subcode });
  }
  return new OnvifError('RECEIVER_FAULT', what, { faultSubcode: subcode });
}
