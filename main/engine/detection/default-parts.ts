/**
 * The real pipeline parts: helper A's frame source and motion detector,
 * helper B's object detector, regions and tracker, ffmpeg for JPEGs.
 */
import type { Logger } from '../log.ts';
import { MotionDetector } from './motion/index.ts';
import { buildRegions, createObjectDetector, Tracker, type ObjectDetectorOptions } from './objects/index.ts';
import { encodeFrameJpeg } from './frame-jpeg.ts';
import type { DetectionParts, FrameSourceHandle, FrameSourceRequest } from './parts.ts';

export interface DefaultPartsOptions {
  ffmpegPath: string;
  log: Logger;
  /** Starts the decoder on a camera's live feed (frame-source.ts, bound to the engine's hub and runner). */
  startFrameSource(request: FrameSourceRequest): FrameSourceHandle;
  /** Object detector options (threads, queue, a user's own ONNX model). */
  objects?: ObjectDetectorOptions;
}

/**
 * The user's own ONNX detector (YOLO-style output, docs/detection-model.md):
 * KEEPWATCH_DETECTION_MODEL=/path/model.onnx, optionally
 * KEEPWATCH_DETECTION_LABELS=/path/classes.txt and KEEPWATCH_DETECTION_INPUT=640.
 */
export function modelFromEnvironment(env: NodeJS.ProcessEnv): ObjectDetectorOptions['model'] | undefined {
  const path = env.KEEPWATCH_DETECTION_MODEL?.trim();
  if (!path) return undefined;
  const size = Number(env.KEEPWATCH_DETECTION_INPUT);
  return {
    kind: 'yolo',
    path,
    ...(env.KEEPWATCH_DETECTION_LABELS?.trim() ? { labels: env.KEEPWATCH_DETECTION_LABELS.trim() } : {}),
    ...(Number.isInteger(size) && size >= 32 && size <= 2048 ? { inputSize: size } : {}),
  };
}

/**
 * Runs at most `limit` tasks at once. JPEG encodes are short ffmpeg runs; when
 * motion starts on many cameras at once (all 16 in the overload test) their
 * process spawns would otherwise land in one burst on the event loop.
 */
export class Lane {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    // A finishing task hands its slot straight to the next waiting one.
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}

export function defaultDetectionParts(opts: DefaultPartsOptions): DetectionParts {
  const jpegLane = new Lane(1);
  const model = opts.objects?.model ?? modelFromEnvironment(process.env);
  return {
    startFrameSource: opts.startFrameSource,
    createMotionDetector: (config, size) => new MotionDetector(config, size),
    createObjectDetector: () => createObjectDetector({ threads: 2, queue: 4, log: opts.log.child('objects'), ...opts.objects, ...(model ? { model } : {}) }),
    buildRegions: (motionBoxes, trackedBoxes, frame, modelSize) => buildRegions(motionBoxes, trackedBoxes, frame.width, frame.height, modelSize),
    createTracker: () => new Tracker(),
    encodeJpeg: (frame) => jpegLane.run(() => encodeFrameJpeg(opts.ffmpegPath, frame)),
  };
}
