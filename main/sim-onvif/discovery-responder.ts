/**
 * WS-Discovery responder of the simulated device. It listens on the
 * multicast group (joined on 127.0.0.1 only) and on a unicast port of its
 * own, and answers Probes with a ProbeMatch. It answers loopback senders
 * only: this device exists for tests and the demo and must never talk to a
 * real network.
 */
import { randomUUID } from 'node:crypto';
import dgram from 'node:dgram';
import { parseRequest, text } from './request-xml.ts';
import { esc } from './responses.ts';

const GROUP = '239.255.255.250';
const PORT = 3702;
const ANSWERED_TYPES = new Set(['NetworkVideoTransmitter', 'Device']);

export interface DiscoveryResponderOptions {
  endpointRef: string;
  xaddr: () => string;
  scopes: () => string[];
  /** Join the multicast group on loopback (default true). */
  multicast?: boolean;
  /** Fixed unicast port (default: any free one). */
  unicastPort?: number;
}

export interface DiscoveryResponder {
  unicastPort: number;
  /** False when the group could not be joined (e.g. loopback without multicast outside the test namespace). */
  multicastJoined: boolean;
  readonly probesAnswered: number;
  close(): Promise<void>;
}

function probeMatches(relatesTo: string, options: DiscoveryResponderOptions): Buffer {
  return Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?><env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" ` +
      'xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" ' +
      'xmlns:dn="http://www.onvif.org/ver10/network/wsdl" xmlns:tds="http://www.onvif.org/ver10/device/wsdl">' +
      `<env:Header><wsa:MessageID>urn:uuid:${randomUUID()}</wsa:MessageID><wsa:RelatesTo>${esc(relatesTo)}</wsa:RelatesTo>` +
      '<wsa:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</wsa:To>' +
      '<wsa:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</wsa:Action></env:Header>' +
      '<env:Body><d:ProbeMatches><d:ProbeMatch>' +
      `<wsa:EndpointReference><wsa:Address>${esc(options.endpointRef)}</wsa:Address></wsa:EndpointReference>` +
      '<d:Types>dn:NetworkVideoTransmitter tds:Device</d:Types>' +
      `<d:Scopes>${esc(options.scopes().join(' '))}</d:Scopes>` +
      `<d:XAddrs>${esc(options.xaddr())}</d:XAddrs><d:MetadataVersion>1</d:MetadataVersion>` +
      '</d:ProbeMatch></d:ProbeMatches></env:Body></env:Envelope>',
  );
}

export async function startDiscoveryResponder(options: DiscoveryResponderOptions): Promise<DiscoveryResponder> {
  let answered = 0;
  const unicast = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    unicast.once('error', reject);
    unicast.bind(options.unicastPort ?? 0, '127.0.0.1', () => {
      unicast.off('error', reject);
      resolve();
    });
  });
  unicast.on('error', () => undefined);

  const onProbe = (message: Buffer, remote: dgram.RemoteInfo) => {
    if (!remote.address.startsWith('127.')) return;
    const request = parseRequest(message.toString('utf8'));
    if (request?.operation !== 'Probe') return;
    const messageId = text(request.header, 'MessageID');
    if (!messageId) return;
    const wanted = (text(request.body, 'Types') ?? '').split(/\s+/).filter(Boolean).map((t) => t.slice(t.indexOf(':') + 1));
    if (!wanted.every((type) => ANSWERED_TYPES.has(type))) return;
    // Real devices wait a random moment so answers from many devices do not collide.
    setTimeout(() => {
      answered++;
      unicast.send(probeMatches(messageId, options), remote.port, remote.address, () => undefined);
    }, Math.floor(Math.random() * 50));
  };
  unicast.on('message', onProbe);

  let multicast: dgram.Socket | undefined;
  let multicastJoined = false;
  if (options.multicast !== false) {
    multicast = dgram.createSocket({ type: 'udp4', reuseAddr: true });
    try {
      await new Promise<void>((resolve, reject) => {
        multicast!.once('error', reject);
        // Bound to the group address: only group traffic arrives here, no unicast from anywhere.
        multicast!.bind(PORT, GROUP, () => {
          multicast!.off('error', reject);
          resolve();
        });
      });
      multicast.addMembership(GROUP, '127.0.0.1');
      multicast.on('message', onProbe);
      multicast.on('error', () => undefined);
      multicastJoined = true;
    } catch {
      multicast.close();
      multicast = undefined;
    }
  }

  return {
    unicastPort: unicast.address().port,
    multicastJoined,
    get probesAnswered() {
      return answered;
    },
    async close() {
      await Promise.all(
        [unicast, multicast].filter((s): s is dgram.Socket => !!s).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
      );
    },
  };
}
