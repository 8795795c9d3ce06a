/**
 * A simulated ONVIF camera on loopback, for tests and the demo: device,
 * media (v1, or v2 only), PTZ and events services over SOAP 1.2, login
 * checked against the device's own (optionally wrong) clock, a WS-Discovery
 * responder, and switches for the quirks real cameras have.
 *
 *   const cam = await startSimOnvifDevice({ name: 'Porch', clockOffsetMs: 3 * 3600_000 });
 *   cam.xaddr            // http://127.0.0.1:PORT/onvif/device_service
 *   cam.raiseEvent('motion', true);
 *   cam.calls            // PTZ calls with their values
 *   await cam.restart(); // reboot: same port, subscriptions forgotten
 *   await cam.stop();
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { HttpDigestChecker, WsseChecker } from './auth.ts';
import { startDiscoveryResponder, type DiscoveryResponder } from './discovery-responder.ts';
import { SimPullPoints, type PullPointStats } from './pull-points.ts';
import { attribute, node, parseDurationMs, parseRequest, text, type SimRequest } from './request-xml.ts';
import * as reply from './responses.ts';
import type { SimNotification, SimProfile } from './responses.ts';

export type { SimProfile } from './responses.ts';

export interface SimOnvifOptions {
  name?: string;
  manufacturer?: string;
  model?: string;
  firmware?: string;
  serial?: string;
  hardwareId?: string;
  location?: string;
  username?: string;
  password?: string;
  /** Device clock minus real clock, ms (a camera hours off). */
  clockOffsetMs?: number;
  /** How far a token's Created may be from the device clock (default 30 s). */
  authToleranceMs?: number;
  /** Login scheme the device demands (default WS-Security UsernameToken). */
  auth?: 'wsse' | 'http-digest';
  /** How a bad login is answered: SOAP fault with HTTP 400 (spec), bare HTTP 401, or a fault with HTTP 500. */
  authFailure?: 'soap-fault' | 'http-401' | 'fault-500';
  profiles?: SimProfile[];
  snapshotUri?: string;
  noMedia?: boolean;
  /** Offer only Media2 (Profile T) instead of Media v1. */
  media2Only?: boolean;
  noPtz?: boolean;
  noEvents?: boolean;
  /** Old firmware: no GetServices, only GetCapabilities. */
  capabilitiesOnly?: boolean;
  /** Host written into service and subscription addresses (a camera behind NAT reports its own). */
  reportedHost?: string;
  slowReplyMs?: number;
  /** Replace the reply to an operation with raw text (hostile-device tests). */
  replyOverride?: (operation: string) => { status?: number; body: string | Buffer; contentType?: string } | undefined;
  /** Fixed HTTP port (default: any free one; restart() keeps it). */
  port?: number;
  /** Serve HTTPS with this key and certificate instead of HTTP. */
  tls?: { key: string; cert: string };
  /** WS-Discovery responder (default true); multicast joins the group on 127.0.0.1. */
  discovery?: boolean;
  multicast?: boolean;
  endpointRef?: string;
}

export interface SimPtzCall {
  operation: string;
  profileToken?: string;
  pan?: number;
  tilt?: number;
  zoom?: number;
  timeout?: string;
  presetToken?: string;
  presetName?: string;
  stopPanTilt?: boolean;
  stopZoom?: boolean;
}

export interface SimOnvifDevice {
  xaddr: string;
  port: number;
  endpointRef: string;
  /** Unicast WS-Discovery port (0 when discovery is off). */
  discoveryPort: number;
  multicastJoined: boolean;
  /** PTZ calls in arrival order. */
  calls: SimPtzCall[];
  /** Every operation received (also unauthenticated and refused ones). */
  requests: string[];
  /** Pull-point bookkeeping: created/renewed/unsubscribed/pulls. */
  pullPointStats: PullPointStats;
  activeSubscriptions(): number;
  raiseEvent(kind: 'motion' | 'tamper', state: boolean): void;
  /** Change options while running (e.g. slowReplyMs, password, clockOffsetMs). */
  update(changes: Partial<SimOnvifOptions>): void;
  /** Drops every pull-point subscription while staying up (as if it rebooted between two polls). */
  forgetSubscriptions(): void;
  /** Reboot: HTTP goes away for downMs (connections refused), subscriptions are forgotten. */
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export const DEFAULT_SIM_PROFILES: SimProfile[] = [
  { token: 'profile_main', name: 'MainStream', encoding: 'H264', width: 1920, height: 1080, fps: 25, rtspUri: 'rtsp://127.0.0.1:8554/main' },
  { token: 'profile_sub', name: 'SubStream', encoding: 'H264', width: 640, height: 360, fps: 15, rtspUri: 'rtsp://127.0.0.1:8554/sub' },
  { token: 'profile_tiny', name: 'Mobile', encoding: 'H264', width: 176, height: 144, fps: 5, rtspUri: 'rtsp://127.0.0.1:8554/tiny' },
];

const MAX_REQUEST_BYTES = 256 * 1024;
const SNAPSHOT_PATH = '/snapshot.jpg';
/** A 1×1 grey JPEG. */
const SNAPSHOT_JPEG = Buffer.from(
  '/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=',
  'base64',
);
const PATHS = {
  device: '/onvif/device_service',
  media: '/onvif/media_service',
  media2: '/onvif/media2_service',
  ptz: '/onvif/ptz_service',
  events: '/onvif/events_service',
  pullPoint: '/onvif/pullpoint/',
};

type Service = 'device' | 'media' | 'media2' | 'ptz' | 'events' | 'pullPoint';
type Reply = { status?: number; body: string };

/** Operations a camera answers without a login (ONVIF core spec "PRE_AUTH"). */
const PRE_AUTH = new Set(['GetSystemDateAndTime', 'GetServices', 'GetCapabilities']);

const MOTION_SOURCE: Array<[string, string]> = [
  ['VideoSourceConfigurationToken', 'vsc-1'],
  ['VideoAnalyticsConfigurationToken', 'vac-1'],
  ['Rule', 'MyMotionDetectorRule'],
];

export async function startSimOnvifDevice(options: SimOnvifOptions = {}): Promise<SimOnvifDevice> {
  let opts: SimOnvifOptions = { ...options };
  const endpointRef = opts.endpointRef ?? `urn:uuid:${randomUUID()}`;
  const deviceNow = () => Date.now() + (opts.clockOffsetMs ?? 0);
  const login = () => ({
    username: opts.username ?? 'admin',
    password: opts.password ?? 'admin123',
    toleranceMs: opts.authToleranceMs ?? 30_000,
  });
  const wsse = new WsseChecker(login);
  const digest = new HttpDigestChecker(login);
  const pullPoints = new SimPullPoints(deviceNow);
  const calls: SimPtzCall[] = [];
  const requests: string[] = [];
  const presets = new Map<string, string>([['preset-1', 'Gate']]);
  let presetCounter = 1;
  const state = { motion: false, tamper: false };

  let port = opts.port ?? 0;
  const scheme = opts.tls ? 'https' : 'http';
  const base = () => `${scheme}://${opts.reportedHost ?? '127.0.0.1'}:${port}`;
  const serviceUrls = (): reply.SimServices => ({
    device: base() + PATHS.device,
    media: opts.noMedia || opts.media2Only ? undefined : base() + PATHS.media,
    media2: opts.noMedia || !opts.media2Only ? undefined : base() + PATHS.media2,
    ptz: opts.noPtz ? undefined : base() + PATHS.ptz,
    events: opts.noEvents ? undefined : base() + PATHS.events,
  });
  const profiles = () => opts.profiles ?? DEFAULT_SIM_PROFILES;

  const notification = (kind: 'motion' | 'tamper', value: boolean, operation: SimNotification['operation']): SimNotification =>
    kind === 'motion'
      ? { topic: 'tns1:RuleEngine/CellMotionDetector/Motion', time: deviceNow(), operation, source: MOTION_SOURCE, data: [['IsMotion', String(value)]] }
      : { topic: 'tns1:VideoSource/GlobalSceneChange/ImagingService', time: deviceNow(), operation, source: [['Source', 'vs-1']], data: [['State', String(value)]] };

  const senderFault = (subcode: string, reason: string): Reply => ({ status: 400, body: reply.fault('Sender', subcode, reason) });
  const profileFor = (request: SimRequest) => profiles().find((p) => p.token === text(request.body, 'ProfileToken'));
  const number = (value: string | undefined) => (value === undefined ? undefined : Number(value));

  function recordPtz(request: SimRequest, extra: Partial<SimPtzCall> = {}): void {
    calls.push({ operation: request.operation, profileToken: text(request.body, 'ProfileToken'), ...extra });
  }

  function speedOf(request: SimRequest, element: string): Partial<SimPtzCall> {
    const vector = node(request.body, element);
    const panTilt = node(vector, 'PanTilt');
    const zoom = node(vector, 'Zoom');
    return {
      pan: number(attribute(panTilt, 'x')),
      tilt: number(attribute(panTilt, 'y')),
      zoom: number(attribute(zoom, 'x')),
    };
  }

  const handlers: Record<string, { service: Service; handle: (request: SimRequest, path: string) => Reply | Promise<Reply> }> = {
    GetSystemDateAndTime: { service: 'device', handle: () => ({ body: reply.systemDateAndTime(deviceNow()) }) },
    GetServices: {
      service: 'device',
      handle: () =>
        opts.capabilitiesOnly
          ? senderFault('ter:ActionNotSupported', 'Optional Action Not Implemented')
          : { body: reply.services(serviceUrls()) },
    },
    GetCapabilities: { service: 'device', handle: () => ({ body: reply.capabilities(serviceUrls()) }) },
    GetDeviceInformation: {
      service: 'device',
      handle: () => ({
        body: reply.deviceInformation({
          manufacturer: opts.manufacturer ?? 'Keepwatch Sim',
          model: opts.model ?? 'SimCam 1',
          firmware: opts.firmware ?? '1.0.0',
          serial: opts.serial ?? endpointRef.slice(-12),
          hardwareId: opts.hardwareId ?? 'SIM-HW-1',
        }),
      }),
    },
    GetProfiles: {
      service: 'media',
      handle: (_request, path) =>
        ({ body: path === PATHS.media2 ? reply.profilesV2(profiles(), !opts.noPtz) : reply.profilesV1(profiles(), !opts.noPtz) }),
    },
    GetVideoSources: { service: 'media', handle: () => ({ body: reply.videoSources() }) },
    GetStreamUri: {
      service: 'media',
      handle: (request, path) => {
        const profile = profileFor(request);
        if (!profile) return senderFault('ter:InvalidArgVal', 'No such profile');
        return { body: reply.mediaUri('GetStreamUri', profile.rtspUri, path === PATHS.media2 ? 2 : 1) };
      },
    },
    GetSnapshotUri: {
      service: 'media',
      handle: (request, path) => {
        if (!profileFor(request)) return senderFault('ter:InvalidArgVal', 'No such profile');
        return { body: reply.mediaUri('GetSnapshotUri', opts.snapshotUri ?? base() + SNAPSHOT_PATH, path === PATHS.media2 ? 2 : 1) };
      },
    },
    ContinuousMove: {
      service: 'ptz',
      handle: (request) => {
        recordPtz(request, { ...speedOf(request, 'Velocity'), timeout: text(request.body, 'Timeout') });
        return { body: reply.empty('ContinuousMove', 'tptz') };
      },
    },
    Stop: {
      service: 'ptz',
      handle: (request) => {
        recordPtz(request, { stopPanTilt: text(request.body, 'PanTilt') === 'true', stopZoom: text(request.body, 'Zoom') === 'true' });
        return { body: reply.empty('Stop', 'tptz') };
      },
    },
    GotoPreset: {
      service: 'ptz',
      handle: (request) => {
        const presetToken = text(request.body, 'PresetToken') ?? '';
        if (!presets.has(presetToken)) return senderFault('ter:NoToken', 'No such preset');
        recordPtz(request, { presetToken, ...speedOf(request, 'Speed') });
        return { body: reply.empty('GotoPreset', 'tptz') };
      },
    },
    SetPreset: {
      service: 'ptz',
      handle: (request) => {
        const presetToken = text(request.body, 'PresetToken') ?? `preset-${++presetCounter}`;
        const presetName = text(request.body, 'PresetName') ?? presetToken;
        presets.set(presetToken, presetName);
        recordPtz(request, { presetToken, presetName });
        return { body: reply.setPresetResponse(presetToken) };
      },
    },
    RemovePreset: {
      service: 'ptz',
      handle: (request) => {
        const presetToken = text(request.body, 'PresetToken') ?? '';
        if (!presets.delete(presetToken)) return senderFault('ter:NoToken', 'No such preset');
        recordPtz(request, { presetToken });
        return { body: reply.empty('RemovePreset', 'tptz') };
      },
    },
    GotoHomePosition: {
      service: 'ptz',
      handle: (request) => {
        recordPtz(request, speedOf(request, 'Speed'));
        return { body: reply.empty('GotoHomePosition', 'tptz') };
      },
    },
    GetPresets: {
      service: 'ptz',
      handle: () => ({ body: reply.presets([...presets].map(([token, name]) => ({ token, name }))) }),
    },
    CreatePullPointSubscription: {
      service: 'events',
      handle: (request) => {
        const requested = parseDurationMs(text(request.body, 'InitialTerminationTime'), deviceNow()) ?? 60_000;
        const lifetime = Math.min(Math.max(requested, 1000), 3600_000);
        const initial = [notification('motion', state.motion, 'Initialized'), notification('tamper', state.tamper, 'Initialized')];
        const created = pullPoints.create(lifetime, initial);
        return { body: reply.subscriptionCreated(base() + PATHS.pullPoint + created.id, deviceNow(), created.expiresAt) };
      },
    },
    PullMessages: {
      service: 'pullPoint',
      handle: async (request, path) => {
        const id = path.slice(PATHS.pullPoint.length);
        const timeout = Math.min(parseDurationMs(text(request.body, 'Timeout'), deviceNow()) ?? 5000, 60_000);
        const limit = Math.max(1, Math.min(Number(text(request.body, 'MessageLimit') ?? 10) || 10, 100));
        const pending = pullPoints.pull(id, timeout, limit);
        if (!pending) return senderFault('ter:InvalidArgVal', 'Unknown or expired subscription');
        const messages = await pending;
        return { body: reply.pulled(deviceNow(), pullPoints.expiresAt(id) ?? deviceNow(), messages) };
      },
    },
    Renew: {
      service: 'pullPoint',
      handle: (request, path) => {
        const requested = parseDurationMs(text(request.body, 'TerminationTime'), deviceNow()) ?? 60_000;
        const expiresAt = pullPoints.renew(path.slice(PATHS.pullPoint.length), Math.min(Math.max(requested, 1000), 3600_000));
        if (expiresAt === undefined) return senderFault('ter:InvalidArgVal', 'Unknown or expired subscription');
        return { body: reply.renewed(deviceNow(), expiresAt) };
      },
    },
    Unsubscribe: {
      service: 'pullPoint',
      handle: (_request, path) =>
        pullPoints.unsubscribe(path.slice(PATHS.pullPoint.length))
          ? { body: reply.empty('Unsubscribe', 'wsnt') }
          : senderFault('ter:InvalidArgVal', 'Unknown or expired subscription'),
    },
  };

  function serviceAt(path: string): Service | undefined {
    if (path === PATHS.device) return 'device';
    if (path === PATHS.media && !opts.noMedia && !opts.media2Only) return 'media';
    if (path === PATHS.media2 && !opts.noMedia && opts.media2Only) return 'media';
    if (path === PATHS.ptz && !opts.noPtz) return 'ptz';
    if (path === PATHS.events && !opts.noEvents) return 'events';
    if (path.startsWith(PATHS.pullPoint) && !opts.noEvents) return 'pullPoint';
    return undefined;
  }

  function authorized(request: SimRequest, headers: http.IncomingHttpHeaders): boolean {
    if (PRE_AUTH.has(request.operation)) return true;
    return opts.auth === 'http-digest' ? digest.check(headers, 'POST') : wsse.check(request.header, deviceNow());
  }

  function refuseLogin(response: http.ServerResponse): void {
    if (opts.auth === 'http-digest') {
      response.writeHead(401, { 'WWW-Authenticate': digest.challenge(), 'Content-Length': '0' }).end();
    } else if (opts.authFailure === 'http-401') {
      response.writeHead(401, { 'Content-Length': '0' }).end();
    } else {
      send(response, {
        status: opts.authFailure === 'fault-500' ? 500 : 400,
        body: reply.fault('Sender', 'ter:NotAuthorized', 'Sender not Authorized'),
      });
    }
  }

  function send(response: http.ServerResponse, result: { status?: number; body: string | Buffer; contentType?: string }): void {
    if (response.destroyed || response.writableEnded) return;
    response.writeHead(result.status ?? 200, { 'Content-Type': result.contentType ?? 'application/soap+xml; charset=utf-8' });
    response.end(result.body);
  }

  /** Snapshots are plain GETs behind HTTP Digest, as on most cameras. */
  function serveSnapshot(request: http.IncomingMessage, response: http.ServerResponse): void {
    if (!digest.check(request.headers, 'GET')) {
      response.writeHead(401, { 'WWW-Authenticate': digest.challenge(), 'Content-Length': '0' }).end();
      return;
    }
    response.writeHead(200, { 'Content-Type': 'image/jpeg' }).end(SNAPSHOT_JPEG);
  }

  async function handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    if (request.method === 'GET' && request.url === SNAPSHOT_PATH) {
      serveSnapshot(request, response);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of request) {
      size += (chunk as Buffer).length;
      if (size > MAX_REQUEST_BYTES) {
        response.writeHead(413).end();
        return;
      }
      chunks.push(chunk as Buffer);
    }
    if (opts.slowReplyMs) await new Promise((resolve) => setTimeout(resolve, opts.slowReplyMs));
    const path = (request.url ?? '/').split('?')[0];
    const parsed = parseRequest(Buffer.concat(chunks).toString('utf8'));
    if (request.method !== 'POST' || !parsed) {
      send(response, { status: 400, body: reply.fault('Sender', 'ter:WellFormed', 'Not a SOAP request') });
      return;
    }
    requests.push(parsed.operation);
    const override = opts.replyOverride?.(parsed.operation);
    if (override) {
      send(response, override);
      return;
    }
    const service = serviceAt(path);
    const handler = handlers[parsed.operation];
    if (!service) {
      send(response, { status: 404, body: reply.fault('Sender', 'ter:ActionNotSupported', 'No such service') });
      return;
    }
    if (!handler || handler.service !== service) {
      send(response, { status: 400, body: reply.fault('Sender', 'ter:ActionNotSupported', 'Optional Action Not Implemented') });
      return;
    }
    if (!authorized(parsed, request.headers)) {
      refuseLogin(response);
      return;
    }
    send(response, await handler.handle(parsed, path));
  }

  const server = opts.tls ? https.createServer({ key: opts.tls.key, cert: opts.tls.cert }) : http.createServer();
  server.on('request', (request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500).end();
    });
  });
  server.on('clientError', (_error, socket) => socket.destroy());

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        port = (server.address() as AddressInfo).port;
        resolve();
      });
    });
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  await listen();

  const scopes = () => [
    'onvif://www.onvif.org/type/video_encoder',
    'onvif://www.onvif.org/Profile/Streaming',
    `onvif://www.onvif.org/name/${encodeURIComponent(opts.name ?? 'Sim Camera')}`,
    `onvif://www.onvif.org/hardware/${encodeURIComponent(opts.model ?? 'SimCam 1')}`,
    `onvif://www.onvif.org/location/${encodeURIComponent(opts.location ?? 'Loopback')}`,
  ];
  const xaddr = () => `${scheme}://127.0.0.1:${port}${PATHS.device}`;
  let discovery: DiscoveryResponder | undefined;
  if (opts.discovery !== false) {
    discovery = await startDiscoveryResponder({ endpointRef, xaddr, scopes, multicast: opts.multicast });
  }

  return {
    get xaddr() {
      return xaddr();
    },
    get port() {
      return port;
    },
    endpointRef,
    discoveryPort: discovery?.unicastPort ?? 0,
    multicastJoined: discovery?.multicastJoined ?? false,
    calls,
    requests,
    pullPointStats: pullPoints.stats,
    activeSubscriptions: () => pullPoints.count(),
    raiseEvent(kind, value) {
      state[kind] = value;
      pullPoints.publish(notification(kind, value, 'Changed'));
    },
    update(changes) {
      opts = { ...opts, ...changes };
    },
    forgetSubscriptions() {
      pullPoints.clear();
    },
    async restart(downMs = 300) {
      pullPoints.clear();
      await close();
      await new Promise((resolve) => setTimeout(resolve, downMs));
      await listen();
    },
    async stop() {
      pullPoints.clear();
      await close();
      await discovery?.close();
    },
  };
}
