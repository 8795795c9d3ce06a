/**
 * Keeps one recorder per camera stream in line with the camera list: the main
 * stream is recorded, the sub stream (when there is one) runs for live view
 * only. Camera changes restart exactly the recorders they affect.
 */
import type { StreamKind } from '../storage/store.ts';
import { StreamRecorder, type RecorderDeps, type RecorderOptions, type RecorderStatus } from './stream-recorder.ts';
import { Heartbeat, slowBeatMs } from './heartbeat.ts';

interface Entry {
  recorder: StreamRecorder;
  /** What the recorder was started with, to know when a change needs a restart. */
  fingerprint: string;
}

export class RecordingSupervisor {
  private readonly recorders = new Map<string, Entry>();
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
        stops.push(existing.recorder.stop(camera ? 'disabled' : 'offline'));
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
    }
    await Promise.all(stops);
  }

  /** A live viewer arrived for this stream: its recorder reads now, not at its next tick. */
  wake(cameraId: number, kind: StreamKind): void {
    this.recorders.get(RecordingSupervisor.key(cameraId, kind))?.recorder.wake();
  }

  status(cameraId: number, kind: StreamKind = 'main'): RecorderStatus | null {
    return this.recorders.get(RecordingSupervisor.key(cameraId, kind))?.recorder.status ?? null;
  }

  async stopAll(): Promise<void> {
    const all = [...this.recorders.values()];
    this.recorders.clear();
    await Promise.all(all.map((e) => e.recorder.stop()));
  }
}
