/**
 * Shared set-up for the ONVIF wiring tests: a headless Keepwatch whose
 * discovery is locked to loopback, an HTTP client for its API, simulated
 * ONVIF devices pointing at simulated RTSP cameras, and a loopback JPEG
 * server standing in for a camera's snapshot address.
 */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { startHeadless, type Headless, type HeadlessOptions } from '../../main/headless.ts';
import { MemorySink } from '../../main/engine/log.ts';
import { FAST_RECORDER } from '../helpers/engine.ts';
import { tempDir } from '../helpers/tmp.ts';
import { startSimOnvifDevice, type SimOnvifDevice, type SimOnvifOptions, type SimProfile } from '../../main/sim-onvif/index.ts';

export { MULTICAST_SKIP_REASON, inLoopbackOnlyNamespace, closedPort } from '../onvif/helpers/network.ts';

export interface TestApp {
  app: Headless;
  logs: MemorySink;
  api<T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; json: T; headers: Headers; bytes: Buffer }>;
  stop(): Promise<void>;
}

/** Keepwatch on a fresh data folder: 2 s segments, discovery on loopback only, quick event subscriptions. */
export async function startTestApp(opts: Partial<HeadlessOptions> = {}): Promise<TestApp> {
  const tmp = tempDir('kw-onvif-wiring-');
  const logs = new MemorySink();
  const app = await startHeadless({
    dataDir: tmp.dir,
    port: 0,
    staticDir: null,
    logSink: logs,
    recorder: FAST_RECORDER,
    ...opts,
    onvif: {
      loopbackOnly: true,
      timeoutMs: 3000,
      subscriber: { terminationSeconds: 20, pullTimeoutSeconds: 2, retryDelayMs: 300, maxRetryDelayMs: 2000 },
      ...opts.onvif,
    },
  });
  app.engine.updateSettings({ segmentSeconds: 2, freeSpaceFloorBytes: 0 });
  return {
    app,
    logs,
    async api(method, path, body) {
      const res = await fetch(`http://127.0.0.1:${app.port}${path}`, {
        method,
        headers: { authorization: `Bearer ${app.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const bytes = Buffer.from(await res.arrayBuffer());
      let json: any = null;
      try {
        json = JSON.parse(bytes.toString('utf8'));
      } catch {
        // binary (snapshots)
      }
      return { status: res.status, json, headers: res.headers, bytes };
    },
    async stop() {
      await app.stop();
      tmp.cleanup();
    },
  };
}

/** Profiles of a simulated device whose streams are the given RTSP URLs. */
export function profilesFor(mainUrl: string, subUrl?: string): SimProfile[] {
  return [
    { token: 'profile_main', name: 'MainStream', encoding: 'H264', width: 640, height: 360, fps: 15, rtspUri: mainUrl },
    ...(subUrl ? [{ token: 'profile_sub', name: 'SubStream', encoding: 'H264' as const, width: 320, height: 180, fps: 15, rtspUri: subUrl }] : []),
    { token: 'profile_mjpeg', name: 'Mjpeg', encoding: 'JPEG', width: 640, height: 360, fps: 5, rtspUri: mainUrl },
  ];
}

/** Simulated ONVIF devices, all stopped by the returned function. */
export async function startDevices(options: SimOnvifOptions[]): Promise<{ devices: SimOnvifDevice[]; stop(): Promise<void> }> {
  const devices = await Promise.all(options.map((o) => startSimOnvifDevice({ multicast: false, ...o })));
  return { devices, stop: async () => void (await Promise.all(devices.map((d) => d.stop()))) };
}

/** One JPEG frame of an RTSP stream (what a real camera's snapshot would show). */
export async function grabJpeg(rtspUrl: string): Promise<Buffer> {
  const { stdout } = await promisify(execFile)(
    'ffmpeg',
    ['-v', 'error', '-rtsp_transport', 'tcp', '-i', rtspUrl, '-frames:v', '1', '-f', 'image2pipe', '-c:v', 'mjpeg', 'pipe:1'],
    { encoding: 'buffer', timeout: 20_000, maxBuffer: 8 * 1024 * 1024 },
  );
  return stdout as unknown as Buffer;
}

/** A camera-style snapshot address on loopback that serves a fixed JPEG (no login). */
export async function startJpegServer(jpeg: Buffer): Promise<{ uri: string; hits: () => number; close(): Promise<void> }> {
  let hits = 0;
  const server = http.createServer((req, res) => {
    hits++;
    res.writeHead(200, { 'Content-Type': 'image/jpeg', 'Content-Length': String(jpeg.length) }).end(jpeg);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    uri: `http://127.0.0.1:${port}/snapshot.jpg`,
    hits: () => hits,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export const isJpeg = (b: Buffer) => b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;
