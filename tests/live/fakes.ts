// Small stand-ins for the live hub's unit tests: synthetic init/fragment
// metadata (the hub reads only the video run's sync flag) and a viewer that
// records what it was sent and reports whatever backlog the test sets; a
// stand-in for a transcoding ffmpeg process.
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import type { InitInfo } from '../../main/engine/mp4/init.ts';
import type { Fragment } from '../../main/engine/mp4/stream-reader.ts';
import type { DropReason, LiveViewer, StreamDescription } from '../../main/engine/live/live-stream.ts';
import type { LiveCatalog } from '../../main/engine/live/live-hub.ts';
import { silentLogger } from '../../main/engine/log.ts';

export const log = silentLogger;

export function initInfo(fourcc: 'avc1' | 'hvc1' = 'avc1', width = 640, height = 360): InitInfo {
  const video = {
    trackId: 1,
    kind: 'video' as const,
    timescale: 90000,
    fourcc,
    codecString: fourcc === 'avc1' ? 'avc1.42e01e' : 'hvc1',
    width,
    height,
    defaultSampleDuration: 6000,
    defaultSampleFlags: 0,
    durationFields: { tkhd: null, mdhd: null },
  };
  return { tracks: [video], video, audio: null, movieTimescale: 1000, mvhdDurationField: null, mimeType: `video/mp4; codecs="${video.codecString}"` };
}

/** A fragment whose bytes are `label` (so a test can tell which feed it came from). */
export function fragment(label: string, keyframe: boolean, decodeTime = 0): Fragment {
  return {
    bytes: Buffer.from(label),
    moofLength: 0,
    info: {
      runs: [{ trackId: 1, baseDecodeTime: decodeTime, tfdtOffset: -1, tfdtVersion: 0, sampleCount: 4, duration: 24000, startsWithSync: keyframe }],
    },
  };
}

export class FakeViewer implements LiveViewer {
  /** What backlog() reports; tests raise it to simulate a slow client. */
  queued = 0;
  readonly log: string[] = [];
  readonly descriptions: StreamDescription[] = [];
  dropped: { reason: DropReason; message: string } | null = null;
  throwOnFragment = false;

  backlog(): number {
    return this.queued;
  }
  init(description: StreamDescription, init: Buffer): void {
    this.descriptions.push(description);
    this.log.push(`init:${init.toString()}`);
  }
  fragment(bytes: Buffer, keyframe: boolean): void {
    if (this.throwOnFragment) throw new Error('socket exploded');
    this.log.push(`${keyframe ? 'K' : 'f'}:${bytes.toString()}`);
  }
  offline(): void {
    this.log.push('offline');
  }
  drop(reason: DropReason, message: string): void {
    this.dropped = { reason, message };
  }
  /** Fragment labels received, in order. */
  get fragments(): string[] {
    return this.log.filter((l) => l.startsWith('K:') || l.startsWith('f:')).map((l) => l.slice(2));
  }
}

/** A mutable camera list for the hub. */
export class FakeCatalog implements LiveCatalog {
  readonly cameras = new Map<number, { kind: 'main' | 'sub'; codec: string | null }[]>();
  /** What goneReason() says per camera (tests set it); a generic reason otherwise. */
  readonly reasons = new Map<number, string>();
  streams(cameraId: number) {
    return this.cameras.get(cameraId) ?? null;
  }
  goneReason(cameraId: number) {
    return this.reasons.get(cameraId) ?? 'the camera or stream was removed';
  }
}

let nextPid = 1000;

/** A transcoding ffmpeg's stand-in: records what it is written, exits when killed (or when the test says). */
export class FakeProc extends EventEmitter {
  readonly pid = nextPid++;
  readonly stdin = new PassThrough();
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  killed = false;
  written: Buffer[] = [];

  constructor(readonly args: readonly string[] = []) {
    super();
    this.stdin.on('data', (b: Buffer) => this.written.push(b));
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    if (this.killed) return false;
    this.killed = true;
    setImmediate(() => this.exit(null, signal));
    return true;
  }

  /** The process ends by itself (a crash) or after kill(). */
  exit(code: number | null, signal: NodeJS.Signals | null = null): void {
    if (this.exitCode !== null || this.signalCode !== null) return;
    this.exitCode = code;
    this.signalCode = signal;
    this.emit('exit', code, signal);
    this.emit('close', code, signal);
  }
}
