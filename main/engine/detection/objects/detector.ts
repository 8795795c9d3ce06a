/**
 * The object detector: regions of a frame in, labelled boxes out.
 *
 *   const detector = await createObjectDetector({ threads: 2, queue: 4, log });
 *   const found = await detector.detect(frame, regions); // Detection[] | null (null: dropped, the CPU is behind)
 *   detector.stats();                                    // { inferences, dropped, avgMs, queued }
 *   await detector.close();
 *
 * `regions` are normalised boxes from buildRegions() (regions.ts); each is
 * cropped from the frame, scaled to the model's input and run through the
 * model; boxes are mapped back to the frame (0–1), labels mapped to
 * Keepwatch's (labels.ts), and overlaps between regions suppressed.
 *
 * Back-pressure: one request (one frame's regions) runs at a time on the
 * inference thread; at most `queue` more wait. When a frame arrives to a full
 * queue the OLDEST waiting frame is dropped (its promise resolves to null) and
 * counted: the newest picture is the one worth looking at, and nothing ever
 * waits on the detector. Pre-processing happens when a request leaves the
 * queue, so a dropped frame costs nothing. The frame's bytes must not be
 * reused by the caller until its promise settles. On this thread a region
 * costs a row copy and the decoding (~0.5 ms); resizing and normalising run
 * on the inference thread.
 *
 * Always `await detector.close()` before the process exits: it lets an
 * inference in flight finish and the thread end itself. (Node tearing down
 * the thread in the middle of onnxruntime's run aborts the whole process.)
 */
import { OBJECT_LABELS } from '../../../../preload/contract/detection.ts';
import type { Logger } from '../../log.ts';
import type { Box, Detection, ObjectLabel, RgbFrame } from '../types.ts';
import { decodeNanodet, decodeYolo, type OutputTensor } from './decode.ts';
import { labelTable } from './labels.ts';
import { resolveModel, type ModelOption, type ModelSpec } from './model.ts';
import { iouCorners, nms, type Candidate } from './nms.ts';
import { cropFactor, cropRegion } from './preprocess.ts';
import { createWorkerBackend, type InferenceBackend } from './session.ts';

export interface ObjectDetectorOptions {
  /** onnxruntime intra-op threads (1 or 2 here; default 2). */
  threads?: number;
  /** The model (default: the built-in NanoDet). */
  model?: ModelOption;
  /** Where a converted NanoDet is cached when no built one exists (default out/models). */
  modelDir?: string;
  /** Frames that may wait while one is being inferred (default 4). */
  queue?: number;
  /** Minimum score to report (default 0.4). */
  scoreThreshold?: number;
  /** Overlap above which two boxes of one label are the same object (default 0.45). */
  iouThreshold?: number;
  /** Labels to report (default: all of Keepwatch's). */
  labels?: readonly ObjectLabel[];
  log?: Logger;
  /** Tests: a fake inference backend and the spec it pretends to run (skips model loading). */
  backend?: InferenceBackend;
  spec?: ModelSpec;
}

export interface DetectorStats {
  /** Model runs completed (one per region). */
  inferences: number;
  /** Frames dropped because the queue was full. */
  dropped: number;
  /** Mean wall time per model run, ms (including the hop to the thread). */
  avgMs: number;
  /** Frames waiting now. */
  queued: number;
}

export interface ObjectDetector {
  /** The model's square input side, in pixels: regions are at least this big (in source pixels). */
  readonly inputSize: number;
  detect(frame: RgbFrame, regions: readonly Box[]): Promise<Detection[] | null>;
  stats(): DetectorStats;
  close(): Promise<void>;
}

/** Where a region's model input sits in the frame: source = origin + model × factor. */
interface Placement {
  factor: number;
  originX: number;
  originY: number;
}

interface Request {
  frame: RgbFrame;
  regions: readonly Box[];
  resolve: (d: Detection[] | null) => void;
  reject: (e: Error) => void;
}

export async function createObjectDetector(opts: ObjectDetectorOptions = {}): Promise<ObjectDetector> {
  const spec = opts.spec ?? (await resolveModel(opts.model ?? { kind: 'nanodet' }, opts.modelDir));
  const threads = Math.max(1, Math.min(8, Math.round(opts.threads ?? 2)));
  const backend = opts.backend ?? (await createWorkerBackend({ modelPath: spec.path, threads, input: spec.input }));
  opts.log?.info(`object detector: ${spec.kind} ${spec.path}, input ${spec.input.size}px, ${threads} thread(s)`);
  return new QueuedDetector(spec, backend, opts);
}

class QueuedDetector implements ObjectDetector {
  readonly inputSize: number;
  private readonly waiting: Request[] = [];
  private busy = false;
  private closed = false;
  private inferences = 0;
  private dropped = 0;
  private totalMs = 0;
  private readonly maxQueue: number;
  private readonly scoreThreshold: number;
  private readonly iouThreshold: number;
  private readonly labelOf: (ObjectLabel | null)[];

  constructor(
    private readonly spec: ModelSpec,
    private readonly backend: InferenceBackend,
    private readonly opts: ObjectDetectorOptions,
  ) {
    this.inputSize = spec.input.size;
    this.maxQueue = Math.max(0, opts.queue ?? 4);
    this.scoreThreshold = opts.scoreThreshold ?? 0.4;
    this.iouThreshold = opts.iouThreshold ?? 0.45;
    const wanted = opts.labels ? new Set(opts.labels) : null;
    this.labelOf = labelTable(spec.classes).map((l) => (l && (!wanted || wanted.has(l)) ? l : null));
  }

  detect(frame: RgbFrame, regions: readonly Box[]): Promise<Detection[] | null> {
    if (this.closed) return Promise.reject(new Error('the object detector is closed'));
    if (regions.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      if (this.busy && this.waiting.length >= this.maxQueue) {
        const oldest = this.waiting.shift();
        if (oldest) {
          this.dropped++;
          oldest.resolve(null);
        } else {
          // queue 0: nothing may wait, so the new frame itself is dropped.
          this.dropped++;
          resolve(null);
          return;
        }
      }
      this.waiting.push({ frame, regions, resolve, reject });
      this.pump();
    });
  }

  stats(): DetectorStats {
    return { inferences: this.inferences, dropped: this.dropped, avgMs: this.inferences ? this.totalMs / this.inferences : 0, queued: this.waiting.length };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const r of this.waiting.splice(0)) r.resolve(null);
    await this.backend.close();
  }

  private pump(): void {
    if (this.busy || this.closed) return;
    const req = this.waiting.shift();
    if (!req) return;
    this.busy = true;
    void this.runOne(req).finally(() => {
      this.busy = false;
      this.pump();
    });
  }

  private async runOne(req: Request): Promise<void> {
    const { frame } = req;
    try {
      const crops = req.regions.map((r) => cropRegion(frame, { x: r.x * frame.width, y: r.y * frame.height, w: r.w * frame.width, h: r.h * frame.height }));
      const placed = crops.map((c) => ({ factor: cropFactor(c.width, c.height, this.spec.input.size), originX: c.originX, originY: c.originY }));
      const t0 = performance.now();
      const outputs = await this.backend.run(crops.map((c) => ({ data: c.data, width: c.width, height: c.height })));
      this.totalMs += performance.now() - t0;
      this.inferences += crops.length;
      req.resolve(this.postprocess(frame, placed, outputs));
    } catch (err) {
      this.opts.log?.warn(`object detection failed: ${(err as Error).message}`);
      req.reject(err as Error);
    }
  }

  private postprocess(frame: RgbFrame, placed: Placement[], outputs: Record<string, OutputTensor>[]): Detection[] {
    const decodeOpts = {
      inputSize: this.spec.input.size,
      classCount: this.spec.classes.length,
      scoreThreshold: this.scoreThreshold,
      classFilter: (c: number) => this.labelOf[c] !== null,
    };
    const all: Candidate[] = [];
    outputs.forEach((out, i) => {
      const p = placed[i];
      const found = this.spec.kind === 'yolo' ? decodeYolo(Object.values(out)[0], decodeOpts) : decodeNanodet(out, decodeOpts);
      for (const c of found) {
        const label = this.labelOf[c.classIndex]!;
        // Merge classes that map to one label (car, truck, bus → car) before NMS.
        all.push({
          x1: clamp01((p.originX + c.x1 * p.factor) / frame.width),
          y1: clamp01((p.originY + c.y1 * p.factor) / frame.height),
          x2: clamp01((p.originX + c.x2 * p.factor) / frame.width),
          y2: clamp01((p.originY + c.y2 * p.factor) / frame.height),
          score: c.score,
          classIndex: LABEL_INDEX[label],
        });
      }
    });
    const perLabel = nms(all.filter((c) => c.x2 > c.x1 && c.y2 > c.y1), this.iouThreshold);
    // One thing, one label: where two labels claim nearly the same box (NanoDet hesitates between dog
    // and cat), the better score wins, so the tracker does not start two objects for one animal.
    // (perLabel is best first: a box yields only to an earlier one, so equal scores keep one.)
    const kept = perLabel.filter((c, i) => !perLabel.slice(0, i).some((o) => o.classIndex !== c.classIndex && iouCorners(o, c) > SAME_THING_IOU));
    return kept.map((c) => ({
      label: LABELS[c.classIndex],
      score: c.score,
      box: { x: c.x1, y: c.y1, w: c.x2 - c.x1, h: c.y2 - c.y1 },
    }));
  }
}

const LABELS: readonly ObjectLabel[] = OBJECT_LABELS;
const LABEL_INDEX = Object.fromEntries(LABELS.map((l, i) => [l, i])) as Record<ObjectLabel, number>;

/** Overlap above which boxes of different labels are taken for one object. */
const SAME_THING_IOU = 0.7;

const clamp01 = (v: number) => Math.max(0, Math.min(1, v));
