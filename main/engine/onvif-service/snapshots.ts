/**
 * Still pictures of a camera, for the Add flow's preview and the camera page:
 * the camera's own ONVIF snapshot address first (cheap for the camera), else
 * one frame decoded from its video stream by ffmpeg (cameras without a
 * snapshot address, RTSP cameras, the demo's test patterns).
 *
 * The camera's addresses and login never leave this module: callers get bytes.
 */
import { fetchSnapshot, OnvifError } from '../onvif/index.ts';
import type { CameraOpener } from '../ingest/opener.ts';
import type { ProcessRunner } from '../ingest/process-runner.ts';
import { openCredentials, sealCredentials, type SecretBox } from '../secrets/secret-box.ts';
import type { CameraRow, StreamRow, Store } from '../storage/store.ts';
import { redact } from '../redact.ts';
import { ApiFailure, notFound } from '../errors.ts';
import { toApiFailure } from './api-errors.ts';

export interface Picture {
  contentType: 'image/jpeg' | 'image/png';
  body: Buffer;
  source: 'onvif' | 'stream';
  takenAt: number;
}

export interface SnapshotDeps {
  store: Store;
  secrets: SecretBox;
  opener: CameraOpener;
  runner: ProcessRunner;
  ffmpegPath: string;
  now: () => number;
  timeoutMs?: number;
}

const MAX_FRAME_BYTES = 8 * 1024 * 1024;

export class Snapshots {
  /** Requests in flight per camera, so removing the camera ends them (no picture outlives its camera). */
  private readonly inFlight = new Map<number, Set<AbortController>>();

  constructor(private readonly deps: SnapshotDeps) {}

  /** Ends the camera's snapshot requests in flight: their callers get "not found". */
  cancel(cameraId: number): void {
    for (const controller of this.inFlight.get(cameraId) ?? []) controller.abort();
    this.inFlight.delete(cameraId);
  }

  /** A picture of an added camera (any source). */
  async ofCamera(cameraId: number): Promise<Picture> {
    const controller = new AbortController();
    let set = this.inFlight.get(cameraId);
    if (!set) this.inFlight.set(cameraId, (set = new Set()));
    set.add(controller);
    try {
      const picture = await this.take(cameraId, controller.signal);
      if (controller.signal.aborted || !this.deps.store.getCamera(cameraId)) throw notFound(`no camera with id ${cameraId}`);
      return picture;
    } catch (error) {
      if (controller.signal.aborted) throw notFound(`no camera with id ${cameraId}`);
      throw error;
    } finally {
      set.delete(controller);
      if (!set.size && this.inFlight.get(cameraId) === set) this.inFlight.delete(cameraId);
    }
  }

  private async take(cameraId: number, signal: AbortSignal): Promise<Picture> {
    const camera = this.deps.store.getCamera(cameraId);
    if (!camera) throw notFound(`no camera with id ${cameraId}`);
    const device = this.deps.store.onvif.getDevice(cameraId);
    const streams = this.deps.store.listStreams(cameraId);
    const stream = streams.find((s) => s.kind === 'sub') ?? streams.find((s) => s.kind === 'main');
    let onvifError: unknown;
    if (device?.snapshotUri) {
      const credentials = openCredentials(this.deps.secrets, camera.credentials);
      try {
        return await this.fromUri(device.snapshotUri, credentials?.username, credentials?.password, !device.acceptSelfSigned, signal);
      } catch (error) {
        onvifError = error;
      }
    }
    if (!stream) throw onvifError ? toApiFailure(onvifError) : new ApiFailure('unavailable', `camera "${camera.name}" has no stream to take a picture from`);
    try {
      return await this.fromStream(camera, stream, signal);
    } catch (error) {
      // The camera's own snapshot error says more than ffmpeg's.
      throw toApiFailure(onvifError ?? error);
    }
  }

  /** A picture of a device not added yet (the Add flow's preview). */
  async ofDevice(opts: { snapshotUri?: string; streamUrl: string; username: string; password: string; rejectUnauthorized: boolean }): Promise<Picture> {
    let onvifError: unknown;
    if (opts.snapshotUri) {
      try {
        return await this.fromUri(opts.snapshotUri, opts.username, opts.password, opts.rejectUnauthorized);
      } catch (error) {
        onvifError = error;
      }
    }
    const credentials = opts.username || opts.password ? { username: opts.username, password: opts.password } : null;
    const camera: CameraRow = {
      id: 0,
      name: 'preview',
      enabled: true,
      source: 'onvif',
      credentials: sealCredentials(this.deps.secrets, credentials),
      maxAgeMs: null,
      createdAt: this.deps.now(),
    };
    const stream: StreamRow = { id: 0, cameraId: 0, kind: 'sub', url: opts.streamUrl, codec: null, width: null, height: null, audioCodec: null };
    try {
      return await this.fromStream(camera, stream);
    } catch (error) {
      throw onvifError ?? error;
    }
  }

  private async fromUri(uri: string, username: string | undefined, password: string | undefined, rejectUnauthorized: boolean, signal?: AbortSignal): Promise<Picture> {
    const snapshot = await fetchSnapshot({ uri, username, password, rejectUnauthorized, timeoutMs: this.deps.timeoutMs ?? 5000, signal });
    return { contentType: snapshot.contentType, body: snapshot.body, source: 'onvif', takenAt: this.deps.now() };
  }

  /** One frame through the same opener the recorder uses (protocol whitelist, socket timeout, credentials only in ffmpeg's argument). */
  private fromStream(camera: CameraRow, stream: StreamRow, signal?: AbortSignal): Promise<Picture> {
    const opened = this.deps.opener.open(camera, stream);
    const args = [
      '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error',
      ...opened.inputArgs,
      '-map', '0:v:0', '-an', '-frames:v', '1',
      '-vf', 'scale=min(1280\\,iw):-2',
      '-q:v', '4', '-f', 'image2pipe', '-c:v', 'mjpeg', 'pipe:1',
    ];
    const timeoutMs = (this.deps.timeoutMs ?? 5000) * 2;
    return new Promise((resolve, reject) => {
      const proc = this.deps.runner.spawn(this.deps.ffmpegPath, args, { stdin: opened.stdin });
      const chunks: Buffer[] = [];
      let size = 0;
      let stderr = '';
      let settled = false;
      const finish = (error: Error | null, picture?: Picture) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
        if (error) reject(error);
        else resolve(picture!);
      };
      const failure = (why: string) =>
        new OnvifError('UNREACHABLE', `Could not take a picture from the camera's stream: ${redact(why, opened.secrets).slice(0, 300)}`);
      const timer = setTimeout(() => finish(failure(`no picture within ${timeoutMs} ms`)), timeoutMs);
      signal?.addEventListener('abort', () => finish(failure('the camera was removed')), { once: true });
      proc.stdout?.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_FRAME_BYTES) return finish(failure('the picture is too large'));
        chunks.push(chunk);
      });
      proc.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
      proc.on('error', (error) => finish(failure(error.message)));
      proc.on('close', (code) => {
        const body = Buffer.concat(chunks);
        if (code === 0 && body.length > 3 && body[0] === 0xff && body[1] === 0xd8) {
          finish(null, { contentType: 'image/jpeg', body, source: 'stream', takenAt: this.deps.now() });
        } else {
          finish(failure(stderr.trim().split('\n').pop() || `ffmpeg exited with code ${code}`));
        }
      });
    });
  }
}
