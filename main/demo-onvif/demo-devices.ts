/**
 * The demo's ONVIF cameras, so a new user can try Find cameras with nothing
 * but ffmpeg installed: three simulated ONVIF devices (main/sim-onvif) on
 * loopback whose streams are real H.264 test patterns served by the demo's
 * small RTSP relay (./rtsp-relay.ts), and whose snapshot address serves a
 * frame of the same pattern.
 *
 * Everything binds 127.0.0.1 on fixed ports (so cameras added in one demo run
 * still record in the next), multicast is never joined, and the demo engine
 * probes them by unicast only (their discovery ports are passed to the engine
 * as its suggested addresses). Encoders run only while a camera is watched
 * or recorded.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import { once } from 'node:events';
import { startSimOnvifDevice, type SimOnvifDevice } from '../sim-onvif/index.ts';
import { startRtspRelay, type RelaySource, type RtspRelay } from './rtsp-relay.ts';

export interface DemoOnvifOptions {
  ffmpegPath: string;
  /** Device i (1-based) answers on basePort + i; the RTSP relay on basePort, snapshots on basePort + 10. Default 18080. */
  basePort?: number;
  log?: (line: string) => void;
}

export interface DemoOnvif {
  devices: SimOnvifDevice[];
  relay: RtspRelay;
  /** Unicast discovery targets of the devices ("127.0.0.1:port"), for the engine's Find cameras defaults. */
  addresses: string[];
  stop(): Promise<void>;
}

interface DemoCamera {
  name: string;
  model: string;
  colour: string;
  ptz: boolean;
}

const CAMERAS: DemoCamera[] = [
  { name: 'Loading dock', model: 'SimCam PTZ 2', colour: '0x06d6a0', ptz: true },
  { name: 'Lobby', model: 'SimCam Dome', colour: '0xef476f', ptz: false },
  { name: 'Parking lot', model: 'SimCam PTZ 2', colour: '0xffbe0b', ptz: true },
];

const MAIN = { width: 960, height: 540, fps: 15, kbps: 1200 };
const SUB = { width: 480, height: 270, fps: 15, kbps: 400 };

/** The lavfi graph of one demo stream: a test pattern with the camera's name, colour and the UTC time. */
function patternGraph(camera: DemoCamera, size: { width: number; height: number; fps: number }): string {
  const font = Math.round(size.height / 18);
  return (
    `testsrc2=size=${size.width}x${size.height}:rate=${size.fps},` +
    `drawbox=x=0:y=0:w=iw:h=${font * 2}:color=${camera.colour}@1:t=fill,` +
    `drawtext=text='ONVIF - ${camera.name}  %{gmtime\\:%H\\\\\\:%M\\\\\\:%S} UTC':x=${font / 2}:y=${font / 2}:fontsize=${font}:fontcolor=black`
  );
}

function encoder(camera: DemoCamera, stream: typeof MAIN): RelaySource {
  return {
    encoderArgs: [
      '-re', '-f', 'lavfi', '-i', patternGraph(camera, stream),
      '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', String(stream.fps), '-pix_fmt', 'yuv420p', '-b:v', `${stream.kbps}k`,
    ],
  };
}

/** One JPEG of a camera's pattern (its "snapshot"), rendered on request. */
function renderSnapshot(ffmpegPath: string, camera: DemoCamera): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const proc = spawn(
      ffmpegPath,
      ['-hide_banner', '-nostdin', '-loglevel', 'error', '-f', 'lavfi', '-i', patternGraph(camera, MAIN), '-frames:v', '1', '-q:v', '4', '-f', 'image2pipe', '-c:v', 'mjpeg', 'pipe:1'],
      { stdio: ['ignore', 'pipe', 'ignore'], shell: false, windowsHide: true },
    );
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    proc.stdout!.on('data', (c: Buffer) => chunks.push(c));
    proc.on('error', reject);
    proc.on('close', (code) => {
      clearTimeout(timer);
      const jpeg = Buffer.concat(chunks);
      if (code === 0 && jpeg.length > 0) resolve(jpeg);
      else reject(new Error(`ffmpeg exited with ${code}`));
    });
  });
}

export async function startDemoOnvifDevices(options: DemoOnvifOptions): Promise<DemoOnvif> {
  const base = options.basePort ?? 18080;
  const sources: Record<string, RelaySource> = {};
  CAMERAS.forEach((camera, i) => {
    sources[`/cam${i + 1}/main`] = encoder(camera, MAIN);
    sources[`/cam${i + 1}/sub`] = encoder(camera, SUB);
  });
  const relay = await startRtspRelay({ ffmpegPath: options.ffmpegPath, sources, port: base, log: options.log });

  const snapshots = http.createServer((req, res) => {
    const index = Number(/^\/cam(\d)\.jpg$/.exec(req.url ?? '')?.[1]) - 1;
    const camera = CAMERAS[index];
    if (!camera) return void res.writeHead(404).end();
    renderSnapshot(options.ffmpegPath, camera).then(
      (jpeg) => res.writeHead(200, { 'Content-Type': 'image/jpeg', 'Content-Length': String(jpeg.length) }).end(jpeg),
      () => res.writeHead(503).end(),
    );
  });
  snapshots.listen(base + 10, '127.0.0.1');
  const stops: Array<() => Promise<void>> = [
    () => relay.close(),
    async () => {
      snapshots.closeAllConnections();
      await new Promise((r) => snapshots.close(r));
    },
  ];
  try {
    await once(snapshots, 'listening');
    const devices: SimOnvifDevice[] = [];
    for (const [i, camera] of CAMERAS.entries()) {
      const n = i + 1;
      const device = await startSimOnvifDevice({
        name: camera.name,
        manufacturer: 'Keepwatch Sim',
        model: camera.model,
        serial: `KW-DEMO-${String(n).padStart(4, '0')}`,
        location: 'Demo (this machine)',
        // Stable identity and address across demo runs: the scan keeps marking added cameras as added.
        endpointRef: `urn:uuid:6b776174-6368-4000-8000-0000000000${String(n).padStart(2, '0')}`,
        port: base + n,
        multicast: false,
        noPtz: !camera.ptz,
        snapshotUri: `http://127.0.0.1:${base + 10}/cam${n}.jpg`,
        profiles: [
          { token: 'main', name: 'MainStream', encoding: 'H264', width: MAIN.width, height: MAIN.height, fps: MAIN.fps, rtspUri: relay.url(`/cam${n}/main`) },
          { token: 'sub', name: 'SubStream', encoding: 'H264', width: SUB.width, height: SUB.height, fps: SUB.fps, rtspUri: relay.url(`/cam${n}/sub`) },
        ],
      });
      devices.push(device);
      stops.push(() => device.stop());
    }
    return {
      devices,
      relay,
      addresses: devices.map((d) => `127.0.0.1:${d.discoveryPort}`),
      async stop() {
        for (const stop of stops.reverse()) await stop().catch(() => undefined);
      },
    };
  } catch (error) {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    throw error;
  }
}
