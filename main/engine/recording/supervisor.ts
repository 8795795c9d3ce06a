/**
 * Keeps one recorder per camera stream in line with the camera list: the main
 * stream is recorded, the sub stream (when there is one) runs for live view
 * only. Camera changes restart exactly the recorders they affect.
 *
 * Also opens the live hub's express connections (main/engine/live/express.ts):
 * a second, live-only recorder of a recorded stream, only while a
 * low-latency viewer watches it, stopped with that stream's recorder.
 */
import type { StreamKind } from '../storage/store.ts';
import type { LiveSink } from './pipeline.ts';
import { StreamRecorder, type RecorderDeps, type RecorderOptions, type RecorderStatus } from './stream-recorder.ts';
import { Heartbeat, slowBeatMs } from './heartbeat.ts';

/**
 * An express connection: one fragment per frame (each frame is sent the
 * moment it arrives), and a slow retry, because a camera that refused a
 * second client will not take one a second later (the recorded stream
 * serves meanwhile).
 */
export const EXPRESS_FRAGMENT_MS = 1;
export const EXPRESS_BACKOFF = { baseMs: 5000, capMs: 60_000 };

interface Entry {
  recorder: StreamRecorder;
  /** What the recorder was started with, to know when a change needs a restart. */
  fingerprint: string;
}

export class RecordingSupervisor {
  private readonly recorders = new Map<string, Entry>();
  /** Express connections, by the key of the recorder they stand beside. */
  private readonly expresses = new Map<string, StreamRecorder>();
  /** Every recorder's stall checks on one timer. */
  private readonly deps: RecorderDeps;

  constructor(
    deps: RecorderDeps,
    private readonly options: RecorderOptions,
  ) {
    this.deps = { ...deps, heartbeat: deps.heartbeat ?? new Heartbeat(deps.clock, slowBeatMs(options.stallMs)) };
  }

  private static key(cameraId: number, kind: StreamKind): string {
    return `${cameraId}/${kind}`;
  }

  /** Starts every enabled camera. */
  startAll(): void {
    for (const camera of this.deps.store.listCameras()) this.sync(camera.id);
  }

  /** Brings one camera's recorders in line with what the store says. */
  async sync(cameraId: number): Promise<void> {
    const camera = this.deps.store.getCamera(cameraId);
    const streams = camera ? this.deps.store.listStreams(cameraId) : [];
    const credentialsTag = camera?.credentials ? camera.credentials.subarray(1, 13).toString('hex') : '';
    const stops: Promise<void>[] = [];
    for (const kind of ['main', 'sub'] as const) {
      const key = RecordingSupervisor.key(cameraId, kind);
      const stream = streams.find((s) => s.kind === kind);
      const wanted = camera && camera.enabled && stream ? `${stream.url}|${credentialsTag}|${camera.source}` : null;
      const existing = this.recorders.get(key);
      if (existing && existing.fingerprint === wanted) continue;
      if (existing) {
        this.recorders.delete(key);
        stops.push(existing.recorder.stop(camera ? 'disabled' : 'offline'), this.stopExpressKey(key));
      }
      if (wanted) {
        const recorder = new StreamRecorder(cameraId, kind, kind === 'main', this.deps, this.options);
        this.recorders.set(key, { recorder, fingerprint: wanted });
        recorder.start();
      }
    }
    await Promise.all(stops);
  }

  async remove(cameraId: number): Promise<void> {
    const stops: Promise<void>[] = [];
    for (const kind of ['main', 'sub'] as const) {
      const key = RecordingSupervisor.key(cameraId, kind);
      const entry = this.recorders.get(key);
      if (entry) {
        this.recorders.delete(key);
        stops.push(entry.recorder.stop());
      }
      stops.push(this.stopExpressKey(key));
    }
    await Promise.all(stops);
  }

  /** A live viewer arrived for this stream: its recorder reads now, not at its next tick. */
  wake(cameraId: number, kind: StreamKind): void {
    this.recorders.get(RecordingSupervisor.key(cameraId, kind))?.recorder.wake();
  }

  /**
   * Opens an express connection to a recorded stream, publishing to `sink`
   * (it reports no status and records nothing). False when this stream has
   * no running recorder or is not recorded (a live-only stream is already
   * sent frame by frame, near enough).
   */
  startExpress(cameraId: number, kind: StreamKind, sink: LiveSink): boolean {
    const key = RecordingSupervisor.key(cameraId, kind);
    const entry = this.recorders.get(key);
    if (!entry?.recorder.record) return false;
    if (this.expresses.has(key)) return true;
    const { onStatus: _status, onSegment: _segment, ...deps } = this.deps;
    const express = new StreamRecorder(cameraId, kind, false, { ...deps, live: sink, log: deps.log.child('express') }, {
      ...this.options,
      liveFragmentMs: EXPRESS_FRAGMENT_MS,
      backoff: EXPRESS_BACKOFF,
      // The sooner it starts, the sooner the viewer switches to it (express.ts).
      quickProbe: true,
      // Each frame sent as it arrives, not when the next one does (H.264).
      frameAtOnce: true,
    });
    this.expresses.set(key, express);
    express.start();
    return true;
  }

  stopExpress(cameraId: number, kind: StreamKind): void {
    void this.stopExpressKey(RecordingSupervisor.key(cameraId, kind));
  }

  /** Closes every express connection (low-latency live view was turned off). */
  stopExpresses(): void {
    for (const key of [...this.expresses.keys()]) void this.stopExpressKey(key);
  }

  /** Open express connections (tests, stats). */
  get expressCount(): number {
    return this.expresses.size;
  }

  private stopExpressKey(key: string): Promise<void> {
    const express = this.expresses.get(key);
    if (!express) return Promise.resolve();
    this.expresses.delete(key);
    return express.stop();
  }

  status(cameraId: number, kind: StreamKind = 'main'): RecorderStatus | null {
    return this.recorders.get(RecordingSupervisor.key(cameraId, kind))?.recorder.status ?? null;
  }

  async stopAll(): Promise<void> {
    const all = [...this.recorders.values()].map((e) => e.recorder);
    all.push(...this.expresses.values());
    this.recorders.clear();
    this.expresses.clear();
    await Promise.all(all.map((r) => r.stop()));
  }
}
