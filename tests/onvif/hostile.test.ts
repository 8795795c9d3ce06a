/**
 * Network input is hostile: every payload here must end in a typed
 * OnvifError (or be silently dropped, for discovery datagrams) — no other
 * exception, no hang, no crash — and the process must carry on working.
 */
import dgram from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseProbeMatches } from '../../main/engine/onvif/discovery-messages.ts';
import { discoverDevices, isOnvifError, onboardDevice, OnvifError, parseXml } from '../../main/engine/onvif/index.ts';
import { startSimOnvifDevice, type SimOnvifDevice, type SimOnvifOptions } from '../../main/sim-onvif/index.ts';
import {
  HOSTILE_DOCUMENTS,
  HOSTILE_PROBE_MATCHES,
  HOSTILE_SOAP_REPLIES,
  HOSTILE_STREAM_URIS,
  probeMatch,
  soap,
  streamUriReply,
} from './helpers/hostile-payloads.ts';
import { rawHttpServer } from './helpers/network.ts';

const PASSWORD = 'hostile-test-pw';
type Override = NonNullable<SimOnvifOptions['replyOverride']>;

describe('hostile XML documents are refused by the parser', () => {
  it.each(HOSTILE_DOCUMENTS)('%s', (_label, payload, codes) => {
    const started = Date.now();
    let caught: unknown;
    try {
      parseXml(payload);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(OnvifError);
    expect(codes).toContain((caught as OnvifError).code);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('hostile SOAP replies end onboarding with a typed error', () => {
  let device: SimOnvifDevice;
  let override: Override = () => undefined;

  beforeAll(async () => {
    device = await startSimOnvifDevice({ discovery: false, password: PASSWORD, replyOverride: (op) => override(op) });
  });
  afterAll(() => device.stop());

  async function onboardWith(reply: Override) {
    override = reply;
    try {
      await onboardDevice({ xaddr: device.xaddr, username: 'admin', password: PASSWORD, timeoutMs: 2000 });
    } catch (error) {
      expect(isOnvifError(error)).toBe(true);
      expect((error as OnvifError).message).not.toContain(PASSWORD);
      expect((error as OnvifError).message.length).toBeLessThan(400);
      return error as OnvifError;
    } finally {
      override = () => undefined;
    }
    throw new Error('onboarding accepted a hostile reply');
  }

  it.each(HOSTILE_STREAM_URIS)('stream URI: %s', async (_label, uri) => {
    const error = await onboardWith((op) => (op === 'GetStreamUri' ? { body: streamUriReply(uri) } : undefined));
    expect(error.code).toBe('BAD_STREAM_URI');
  });

  it.each(HOSTILE_SOAP_REPLIES)('GetProfiles reply: %s', async (_label, reply, code) => {
    const error = await onboardWith((op) => (op === 'GetProfiles' ? reply : undefined));
    expect(error.code).toBe(code);
  });

  it('a service list pointing at file: leaves no media service', async () => {
    const services = soap(
      '<tds:GetServicesResponse><tds:Service><tds:Namespace>http://www.onvif.org/ver10/media/wsdl</tds:Namespace>' +
        '<tds:XAddr>file:///etc/passwd</tds:XAddr></tds:Service></tds:GetServicesResponse>',
    );
    const error = await onboardWith((op) => (op === 'GetServices' ? { body: services } : undefined));
    expect(error.code).toBe('NO_MEDIA_SERVICE');
  });

  it('a service list pointing at another host is called on the device address instead', async () => {
    const services = soap(
      '<tds:GetServicesResponse><tds:Service><tds:Namespace>http://www.onvif.org/ver10/media/wsdl</tds:Namespace>' +
        '<tds:XAddr>http://203.0.113.77:8899/onvif/media_service</tds:XAddr></tds:Service></tds:GetServicesResponse>',
    );
    override = (op) => (op === 'GetServices' ? { body: services } : undefined);
    try {
      const result = await onboardDevice({ xaddr: device.xaddr, username: 'admin', password: PASSWORD });
      expect(result.services.media).toBe(`http://127.0.0.1:${device.port}/onvif/media_service`);
    } finally {
      override = () => undefined;
    }
  });

  it('a stream URI on another host is moved onto the device host, not followed', async () => {
    override = (op) => (op === 'GetStreamUri' ? { body: streamUriReply('rtsp://cam2.example:8554/live') } : undefined);
    try {
      const result = await onboardDevice({ xaddr: device.xaddr, username: 'admin', password: PASSWORD });
      expect(result.main.streamUri).toBe('rtsp://127.0.0.1:8554/live');
    } finally {
      override = () => undefined;
    }
  });
});

describe('hostile HTTP behaviour', () => {
  it('a reply that drips forever hits the deadline', async () => {
    const server = await rawHttpServer((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'application/soap+xml' });
      const timer = setInterval(() => response.write('<a>'), 50);
      response.on('close', () => clearInterval(timer));
    });
    try {
      const started = Date.now();
      await expect(onboardDevice({ xaddr: server.url, username: 'a', password: 'b', timeoutMs: 500 })).rejects.toMatchObject({ code: 'TIMEOUT' });
      expect(Date.now() - started).toBeLessThan(1500);
    } finally {
      await server.close();
    }
  });

  it('a declared 50 MB reply is refused before it is read', async () => {
    const server = await rawHttpServer((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'application/soap+xml', 'Content-Length': String(50 * 1024 * 1024) });
      response.write('<');
    });
    try {
      await expect(onboardDevice({ xaddr: server.url, username: 'a', password: 'b', timeoutMs: 2000 })).rejects.toMatchObject({
        code: 'RESPONSE_TOO_LARGE',
      });
    } finally {
      await server.close();
    }
  });

  it('a redirect to https says the device wants TLS', async () => {
    const server = await rawHttpServer((_request, response) => {
      response.writeHead(301, { Location: 'https://127.0.0.1/onvif/device_service' }).end();
    });
    try {
      await expect(onboardDevice({ xaddr: server.url, username: 'a', password: 'b' })).rejects.toMatchObject({ code: 'TLS_REQUIRED' });
    } finally {
      await server.close();
    }
  });
});

describe('hostile WS-Discovery answers are dropped', () => {
  const isForeignAnswer = (label: string) => label.startsWith('answer to somebody');
  const malformed = HOSTILE_PROBE_MATCHES.filter(([label]) => !isForeignAnswer(label));

  it.each(malformed)('%s', (_label, datagram) => {
    let matches: unknown[] = [];
    try {
      matches = parseProbeMatches(Buffer.from(datagram));
    } catch (error) {
      expect(isOnvifError(error)).toBe(true);
    }
    expect(matches).toEqual([]);
  });

  it('an answer to somebody else’s probe parses, carrying its RelatesTo, so discovery can drop it', () => {
    const foreign = HOSTILE_PROBE_MATCHES.filter(([label]) => isForeignAnswer(label));
    expect(foreign).toHaveLength(1);
    const matches = parseProbeMatches(Buffer.from(foreign[0][1]));
    expect(matches).toEqual([expect.objectContaining({ endpointRef: 'urn:uuid:hostile', relatesTo: 'urn:uuid:not-ours' })]);
  });

  it('over UDP, an answer to somebody else’s probe is not reported; the same device answering us is', async () => {
    const responder = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => responder.bind(0, '127.0.0.1', resolve));
    responder.on('message', (_probe, remote) => {
      responder.send(probeMatch({ relatesTo: 'urn:uuid:not-ours' }), remote.port, remote.address);
      responder.send(probeMatch({ ref: '<a:EndpointReference><a:Address>urn:uuid:answers-us</a:Address></a:EndpointReference>' }), remote.port, remote.address);
    });
    try {
      const result = await discoverDevices({ interfaces: [], addresses: [`127.0.0.1:${responder.address().port}`], timeoutMs: 600 });
      expect(result.devices.map((d) => d.endpointRef)).toEqual(['urn:uuid:answers-us']);
      expect(result.rejectedMessages).toBeGreaterThanOrEqual(1);
    } finally {
      responder.close();
    }
  });

  it('over UDP, among hostile answers, only the real device is reported', async () => {
    const responder = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => responder.bind(0, '127.0.0.1', resolve));
    responder.on('message', (_probe, remote) => {
      for (const [, datagram] of HOSTILE_PROBE_MATCHES) responder.send(Buffer.from(datagram), remote.port, remote.address);
      responder.send(probeMatch({ ref: '<a:EndpointReference><a:Address>urn:uuid:the-real-one</a:Address></a:EndpointReference>' }), remote.port, remote.address);
    });
    try {
      const result = await discoverDevices({ interfaces: [], addresses: [`127.0.0.1:${(responder.address()).port}`], timeoutMs: 600 });
      expect(result.devices.map((d) => d.endpointRef)).toEqual(['urn:uuid:the-real-one']);
      expect(result.rejectedMessages).toBeGreaterThanOrEqual(HOSTILE_PROBE_MATCHES.length);
    } finally {
      responder.close();
    }
  });
});

describe('after all of that', () => {
  it('the process still onboards a well-behaved camera', async () => {
    const device = await startSimOnvifDevice({ discovery: false });
    try {
      const result = await onboardDevice({ xaddr: device.xaddr, username: 'admin', password: 'admin123' });
      expect(result.main.streamUri).toBe('rtsp://127.0.0.1:8554/main');
    } finally {
      await device.stop();
    }
  });

  it('counts at least 50 hostile payloads', () => {
    const total = HOSTILE_DOCUMENTS.length + HOSTILE_STREAM_URIS.length + HOSTILE_SOAP_REPLIES.length + HOSTILE_PROBE_MATCHES.length;
    expect(total).toBeGreaterThanOrEqual(50);
  });
});
