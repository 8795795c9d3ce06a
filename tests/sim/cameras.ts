// Simulated RTSP cameras for tests and benchmarks: each camera is one
// tests/sim/rtsp_camera.py process (GStreamer RTSP server on 127.0.0.1).
// See tests/sim/README.md.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./rtsp_camera.py', import.meta.url));
/** Debian's python3 has `gi`; a pyenv python3 earlier on PATH does not. */
const PYTHON = process.env.KEEPWATCH_SIM_PYTHON ?? '/usr/bin/python3';
const READY_TIMEOUT_MS = 20_000;

/** Colours on a 0/128/255 grid: any two differ by >= 128 in some channel, far
 * more than H.264 + YUV round trips shift a flat colour. Black and white are
 * left out (the time barcode uses them). */
export const PALETTE: readonly { name: string; rgb: [number, number, number] }[] = [
  { name: 'red', rgb: [255, 0, 0] },
  { name: 'green', rgb: [0, 255, 0] },
  { name: 'blue', rgb: [0, 0, 255] },
  { name: 'yellow', rgb: [255, 255, 0] },
  { name: 'cyan', rgb: [0, 255, 255] },
  { name: 'magenta', rgb: [255, 0, 255] },
  { name: 'orange', rgb: [255, 128, 0] },
  { name: 'purple', rgb: [128, 0, 255] },
  { name: 'spring', rgb: [0, 255, 128] },
  { name: 'rose', rgb: [255, 0, 128] },
  { name: 'chartreuse', rgb: [128, 255, 0] },
  { name: 'azure', rgb: [0, 128, 255] },
  { name: 'maroon', rgb: [128, 0, 0] },
  { name: 'darkgreen', rgb: [0, 128, 0] },
  { name: 'navy', rgb: [0, 0, 128] },
  { name: 'olive', rgb: [128, 128, 0] },
  { name: 'teal', rgb: [0, 128, 128] },
  { name: 'plum', rgb: [128, 0, 128] },
  { name: 'grey', rgb: [128, 128, 128] },
  { name: 'salmon', rgb: [255, 128, 128] },
  { name: 'lightgreen', rgb: [128, 255, 128] },
  { name: 'lightblue', rgb: [128, 128, 255] },
  { name: 'lightyellow', rgb: [255, 255, 128] },
  { name: 'lightcyan', rgb: [128, 255, 255] },
  { name: 'pink', rgb: [255, 128, 255] },
];

export interface SimCameraSpec {
  /** Palette index; default: the camera's position in the list. */
  color?: number;
  width?: number; // default 640
  height?: number; // default 360
  fps?: number; // default 15
  codec?: 'h264' | 'h265';
  /** Keyframe interval in frames; default = fps (one per second). */
  gop?: number;
  /** kbit/s; default scales with width*height*fps. */
  bitrate?: number;
  /** Also serve /sub at half the size (live mode). */
  sub?: boolean;
  /** Add a G.711 mu-law track (for testing the AAC transcode). */
  audio?: 'pcmu';
  /** Re-serve this pre-encoded file in a loop instead of a live encode (see makeTestFile). */
  file?: string;
  /** With `file`: re-serve this file on /sub. */
  subFile?: string;
}

export interface SimCamera {
  index: number;
  port: number;
  mainUrl: string;
  subUrl?: string;
  color: [number, number, number];
  /** Server pid, undefined while dropped (for CPU measurements). */
  readonly pid: number | undefined;
  /** SIGKILL the server: clients see the connection die. */
  drop(): Promise<void>;
  /** SIGSTOP: connections stay open but no data flows (a stall). */
  freeze(): Promise<void>;
  thaw(): Promise<void>;
  /** (Re)start on the same port; resolves when it serves again. */
  restore(): Promise<void>;
  stop(): Promise<void>;
}

export interface SimCameraSet {
  cameras: SimCamera[];
  dropAll(): Promise<void>;
  restoreAll(): Promise<void>;
  stopAll(): Promise<void>;
}

// Every server process we started and that has not exited yet. Killed
// synchronously when this process exits; the Python side also asks the kernel
// for SIGTERM when its parent dies (covers SIGKILL of the test runner).
const running = new Set<ChildProcess>();
let exitHookInstalled = false;
function trackChild(child: ChildProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const c of running) c.kill('SIGKILL');
    });
  }
  running.add(child);
  child.once('exit', () => running.delete(child));
  child.on('error', () => {}); // reported through spawnServer; never crash the runner
}

/** A free TCP port on 127.0.0.1 (free now; someone may take it later). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function hex(rgb: readonly number[]): string {
  return '0x' + rgb.map((v) => v.toString(16).padStart(2, '0')).join('');
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Spawn one server; resolves with the process and its port once it prints READY. */
function spawnServer(args: string[], port: number): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(PYTHON, [SCRIPT, '--port', String(port), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TZ: 'UTC', KEEPWATCH_SIM_PARENT: String(process.pid) },
  });
  trackChild(child);
  let stderr = '';
  // Always drain both pipes: a full pipe would block the camera.
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const onExit = (code: number | null, sig: string | null) =>
      fail(`exited before READY (code ${code}, signal ${sig})`);
    const onError = (e: Error) => fail(`spawn failed: ${e.message}`);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /^READY rtsp:\/\/127\.0\.0\.1:(\d+)\//m.exec(out);
      if (!m) return;
      done();
      resolve({ child, port: Number(m[1]) });
    };
    const done = () => {
      clearTimeout(timer);
      child.off('exit', onExit);
      child.off('error', onError);
      child.stdout!.off('data', onData);
      child.stdout!.resume(); // keep draining
    };
    const fail = (why: string) => {
      done();
      child.kill('SIGKILL');
      reject(new Error(`sim camera (port ${port}) ${why}\n${stderr}`));
    };
    const timer = setTimeout(() => fail('not READY in time'), READY_TIMEOUT_MS);
    child.once('exit', onExit);
    child.once('error', onError);
    child.stdout!.on('data', onData);
  });
}

function processState(pid: number): string | undefined {
  try {
    // /proc/PID/stat: "pid (comm) S ..."; comm may contain spaces, so split after ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

async function waitFor(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('sim camera: state change timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function startOne(spec: SimCameraSpec, index: number, wantPort: number): Promise<SimCamera> {
  const colorIndex = spec.color ?? index % PALETTE.length;
  const color = PALETTE[colorIndex]!.rgb;
  const fps = spec.fps ?? 15;
  const args = ['--color', hex(color), '--fps', String(fps)];
  args.push('--width', String(spec.width ?? 640), '--height', String(spec.height ?? 360));
  args.push('--codec', spec.codec ?? 'h264', '--gop', String(spec.gop ?? fps));
  if (spec.bitrate) args.push('--bitrate', String(spec.bitrate));
  if (spec.audio) args.push('--audio', spec.audio);
  if (spec.file) args.push('--file', spec.file);
  if (spec.file && spec.subFile) args.push('--sub-file', spec.subFile);
  if (spec.sub && !spec.file) args.push('--sub');
  const hasSub = spec.file ? !!spec.subFile : !!spec.sub;

  let { child, port } = await spawnServer(args, wantPort);
  let frozen = false;

  async function kill(): Promise<void> {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL'); // works on a stopped process too
    await exited(child);
    frozen = false;
  }

  const cam: SimCamera = {
    index,
    port,
    mainUrl: `rtsp://127.0.0.1:${port}/main`,
    subUrl: hasSub ? `rtsp://127.0.0.1:${port}/sub` : undefined,
    color: [...color],
    get pid() {
      return child.exitCode === null && child.signalCode === null ? child.pid : undefined;
    },
    drop: kill,
    async freeze() {
      if (cam.pid === undefined) return;
      child.kill('SIGSTOP');
      frozen = true;
      await waitFor(() => processState(child.pid!) === 'T');
    },
    async thaw() {
      if (cam.pid === undefined || !frozen) return;
      child.kill('SIGCONT');
      frozen = false;
      await waitFor(() => processState(child.pid!) !== 'T');
    },
    async restore() {
      await kill();
      // The port was ours a moment ago; the server sets SO_REUSEADDR, so it
      // binds again at once. Retry briefly in case another process grabbed it.
      for (let attempt = 0; ; attempt++) {
        try {
          ({ child } = await spawnServer(args, port));
          return;
        } catch (e) {
          if (attempt >= 4) throw e;
          await new Promise((r) => setTimeout(r, 250));
        }
      }
    },
    async stop() {
      if (cam.pid === undefined) return;
      if (frozen) child.kill('SIGCONT'); // a stopped process would not see SIGTERM
      frozen = false;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited(child);
      clearTimeout(timer);
    },
  };
  return cam;
}

/**
 * Start one camera per spec, all at once. Ports are picked by the servers
 * themselves (no race with parallel test files) unless basePort is given
 * (camera i then listens on basePort + i).
 */
export async function startSimCameras(
  specs: SimCameraSpec[],
  opts: { basePort?: number } = {},
): Promise<SimCameraSet> {
  const results = await Promise.allSettled(
    specs.map((spec, i) => startOne(spec, i, opts.basePort ? opts.basePort + i : 0)),
  );
  const cameras = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.all(cameras.map((c) => c.stop()));
    throw failed.reason;
  }
  return {
    cameras,
    dropAll: async () => void (await Promise.all(cameras.map((c) => c.drop()))),
    restoreAll: async () => void (await Promise.all(cameras.map((c) => c.restore()))),
    stopAll: async () => void (await Promise.all(cameras.map((c) => c.stop()))),
  };
}
