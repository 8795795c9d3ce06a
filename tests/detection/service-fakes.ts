/**
 * Fakes for the detection service tests: a frame source the test pushes
 * frames into, a motion detector and an object detector that report what the
 * test scripted for each frame time, a simple IoU tracker, and a JPEG encoder
 * (real ffmpeg, or a fixed JPEG when `realJpeg` is off).
 */
import type { DetectionConfig } from '../../preload/contract/detection.ts';
import type { DetectionParts, FrameSourceRequest, ObjectDetectorLike, TrackerLike } from '../../main/engine/detection/parts.ts';
import type { Box, Detection, MotionFrameResult, RgbFrame, TrackedObject } from '../../main/engine/detection/types.ts';
import { encodeFrameJpeg } from '../../main/engine/detection/frame-jpeg.ts';

export interface FakeSource {
  request: FrameSourceRequest;
  closed: boolean;
  /** Frame times after which the pipeline asked for every frame (stayAwake). */
  awakeAfter: number[];
  decoding: 'every-frame' | 'keyframes';
}

/** Tiny valid JPEG-looking bytes (SOI … EOI) for tests that do not look at the picture. */
export const FAKE_JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xff, 0xd9]);

export class FakeWorld {
  readonly sources: FakeSource[] = [];
  /** Motion script: frame time → moving boxes (absent = still). */
  readonly motion = new Map<number, Box[]>();
  /** Object script: frame time → what the detector finds. */
  readonly objects = new Map<number, Detection[]>();
  /** When set, detect() waits for the test to release it. */
  holdDetector = false;
  private held: (() => void)[] = [];
  detectorCalls = 0;
  detectorDropped = 0;
  detectorAvailable = true;
  jpegs = 0;
  /** The frame being handed to the pipeline now. */
  private frameAt = NaN;

  constructor(private readonly opts: { ffmpegPath?: string } = {}) {}

  /** Sources still open for a camera. */
  open(cameraId: number): FakeSource[] {
    return this.sources.filter((s) => s.request.cameraId === cameraId && !s.closed);
  }

  /** Pushes one frame into every open source of the camera. */
  frame(cameraId: number, at: number, width = 64, height = 36): void {
    const data = new Uint8Array(width * height * 3);
    // A picture worth a thumbnail: a grey gradient with a bright block.
    for (let i = 0; i < width * height; i++) data.fill((i % width) * 3, i * 3, i * 3 + 3);
    this.frameAt = at;
    for (const s of this.open(cameraId)) s.request.onFrame({ width, height, data, at });
  }

  release(): void {
    for (const r of this.held.splice(0)) r();
  }

  parts(): DetectionParts {
    const world = this;
    return {
      startFrameSource(request) {
        const source: FakeSource = { request, closed: false, awakeAfter: [], decoding: 'every-frame' };
        world.sources.push(source);
        return { close: () => void (source.closed = true), stayAwake: () => void source.awakeAfter.push(world.frameAt), decoding: () => source.decoding };
      },
      createMotionDetector(config: DetectionConfig) {
        return new ScriptedMotion(world.motion, config.minDurationMs);
      },
      async createObjectDetector(): Promise<ObjectDetectorLike> {
        if (!world.detectorAvailable) throw new Error('no model here');
        return {
          inputSize: 32,
          async detect(frame: RgbFrame) {
            world.detectorCalls++;
            if (world.holdDetector) await new Promise<void>((r) => world.held.push(r));
            return (world.objects.get(frame.at) ?? []).map((d) => ({ ...d, box: { ...d.box } }));
          },
          stats: () => ({ inferences: world.detectorCalls, dropped: world.detectorDropped }),
          close() {},
        };
      },
      buildRegions(motionBoxes, trackedBoxes) {
        return motionBoxes.length || trackedBoxes.length ? [{ x: 0, y: 0, w: 1, h: 1 }] : [];
      },
      createTracker: () => new IouTracker(),
      async encodeJpeg(frame) {
        world.jpegs++;
        return world.opts.ffmpegPath ? encodeFrameJpeg(world.opts.ffmpegPath, frame) : FAKE_JPEG;
      },
    };
  }
}

/** Motion as scripted: active after `minDurationMs` of moving frames, ends 1 s after the last; transitions backdated. */
class ScriptedMotion {
  private start: number | null = null;
  private last: number | null = null;
  private active = false;

  constructor(
    private readonly script: Map<number, Box[]>,
    private readonly minDurationMs: number,
  ) {}

  process(frame: RgbFrame): MotionFrameResult {
    const boxes = this.script.get(frame.at) ?? [];
    const out: MotionFrameResult = { at: frame.at, boxes, changedFraction: boxes.length ? 0.1 : 0, active: this.active };
    if (boxes.length) {
      this.start ??= frame.at;
      this.last = frame.at;
      if (!this.active && frame.at - this.start >= this.minDurationMs) {
        this.active = true;
        out.transition = { type: 'start', at: this.start };
      }
    } else if (this.last !== null && frame.at - this.last >= 1000) {
      if (this.active) out.transition = { type: 'end', at: this.last, startedAt: this.start! };
      this.active = false;
      this.start = this.last = null;
    }
    out.active = this.active;
    return out;
  }

  reset(): void {}
}

const iou = (a: Box, b: Box) => {
  const w = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
  if (w <= 0 || h <= 0) return 0;
  const i = w * h;
  return i / (a.w * a.h + b.w * b.h - i);
};

/** Same label and overlapping: the same object; unseen for 3 updates: gone. A score of exactly 0.77 marks it stationary. */
class IouTracker implements TrackerLike {
  private next = 1;
  private tracks: (TrackedObject & { misses: number })[] = [];

  update(detections: readonly Detection[], at: number): { objects: TrackedObject[] } {
    const used = new Set<number>();
    for (const t of this.tracks) {
      const i = detections.findIndex((d, k) => !used.has(k) && d.label === t.label && iou(d.box, t.box) > 0.2);
      if (i < 0) {
        t.misses++;
        continue;
      }
      used.add(i);
      const d = detections[i];
      Object.assign(t, { box: d.box, score: Math.max(t.score, d.score), lastSeen: at, misses: 0, stationary: d.score === 0.77 });
    }
    detections.forEach((d, k) => {
      if (used.has(k)) return;
      this.tracks.push({ id: this.next++, label: d.label, score: d.score, box: d.box, firstSeen: at, lastSeen: at, stationary: d.score === 0.77, zones: [], misses: 0 });
    });
    this.tracks = this.tracks.filter((t) => t.misses < 3);
    return { objects: this.tracks.map(({ misses: _m, ...t }) => ({ ...t })) };
  }
}
