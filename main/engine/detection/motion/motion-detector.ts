/**
 * The motion detector of one camera: pure, synchronous, no I/O. Frigate's
 * "improved" algorithm (grey downscale, contrast stretch, mask, blur,
 * difference against a running background, threshold, dilation, blobs above
 * a minimum area, calibration) plus what its users miss: a whole-picture
 * change resets the background instead of reporting seconds of motion; a
 * blob must be *moving* (changing since the previous frame), so stopped
 * objects and the ghosts of departed ones end motion at once; a minimum
 * duration; per-zone sensitivity. See README.md for the algorithm and every
 * parameter.
 *
 * API (for the DetectionService):
 *   const detector = new MotionDetector(config, { width, height });  // size optional: taken from the first frame
 *   const r = detector.process(frame);   // r.boxes, r.active, r.transition ({type:'start', at} | {type:'end', at, startedAt}, only on the frame where it flips)
 *   detector.reset('reconnect');          // decoder restarted, ONVIF day/night event...: relearn the background
 *   detector.updateConfig({ sensitivity, minDurationMs, masks, zones });
 *   detector.finish();                    // detection switched off: the end of active motion, if any
 *
 * Every buffer is allocated once per frame size; a frame allocates only its
 * result (and one small object per blob).
 */
import { formatOf } from '../frame-format.ts';
import type { Box, FrameFormat, MotionFrameResult, RgbFrame } from '../types.ts';
import { clampSensitivity, DEFAULT_MOTION_CONFIG, DEFAULT_TUNING, minAreaFor, thresholdFor, type MotionConfig, type MotionTuning } from './config.ts';
import { BlobFinder } from './components.ts';
import { ContrastStretch } from './contrast.ts';
import { GreyDownscaler } from './grey-downscale.ts';
import { blur3, dilate3 } from './image-ops.ts';
import { MotionActivity, type MotionTransition } from './motion-activity.ts';
import { forEachInside } from './polygon-raster.ts';

export type { MotionTransition } from './motion-activity.ts';

/** Why the background is being relearnt. */
export type MotionResetReason = 'start' | 'reconnect' | 'day-night' | 'config' | 'size' | 'global-change' | (string & {});

/** MotionFrameResult (types.ts; its `transition` is set on the frame where motion starts or ends), plus: */
export interface MotionFrameOutput extends MotionFrameResult {
  /** The background is being learnt (after start, a reset or a whole-picture change): no motion counts. */
  calibrating: boolean;
}

export interface MotionStats {
  frames: number;
  resets: number;
  globalChanges: number;
  calibrating: boolean;
  lastReset: MotionResetReason | null;
  /** Working picture size (null before the first frame). */
  width: number | null;
  height: number | null;
}

/** Background update rate of a pixel that changed and then stayed still (absorbed in a few frames). */
const ABSORB_RATE = 0.5;
/** Background update rate while calibrating. */
const CALIBRATE_RATE = 0.5;
/** Moving pixels still leak into the background this much slower than still ones (a tree that never stops). */
const MOVING_LEAK = 0.25;
/** Below this share of pixels changing at once the lighting check is not worth a pass. */
const LIGHTING_MIN_SHARE = 0.2;
/** The change is lighting when a tone curve explains all but this share of it. */
const LIGHTING_UNEXPLAINED = 0.3;
/** Grey levels a tone curve may dip (noise) before it counts as out of order... */
const TONE_ORDER_SLACK = 16;
/** ...and the share of pixels in out-of-order bands beyond which it is not lighting. */
const TONE_OUT_OF_ORDER = 0.1;
/** Thresholds stay at least this many times the median frame-to-frame change (≈ 3.5 σ of the noise). */
const NOISE_FACTOR = 3.7;
/** Frame interval assumed until two frames have been seen. */
const DEFAULT_INTERVAL_MS = 200;

/** Everything sized to one frame size. */
class Layout {
  readonly w: number;
  readonly h: number;
  readonly n: number;
  readonly downscaler: GreyDownscaler;
  readonly grey: Uint8Array;
  readonly norm: Uint8Array;
  cur: Uint8Array;
  prev: Uint8Array;
  readonly blurTmp: Uint16Array;
  readonly background: Float32Array;
  readonly foreground: Uint8Array;
  readonly changing: Uint8Array;
  readonly dilated: Uint8Array;
  readonly dilateTmp: Uint8Array;
  readonly stillFrames: Uint8Array;
  /** Sensitivity level per pixel, 0 where masked. */
  readonly sensitivity: Uint8Array;
  /** 1 where masked (for the contrast histogram). */
  readonly masked: Uint8Array;
  /** Foreground threshold per pixel (255 where masked: never reached). */
  readonly threshold: Uint8Array;
  readonly cellOf: Uint8Array;
  readonly cellPixels: Uint32Array;
  readonly cellForeground: Uint32Array;
  readonly cellDiff: Float64Array;
  readonly cells: number;
  unmasked = 0;
  readonly blobs: BlobFinder;

  constructor(
    readonly srcWidth: number,
    readonly srcHeight: number,
    readonly format: FrameFormat,
    tuning: MotionTuning,
  ) {
    this.downscaler = new GreyDownscaler(srcWidth, srcHeight, tuning.frameHeight, format);
    const w = (this.w = this.downscaler.width);
    const h = (this.h = this.downscaler.height);
    const n = (this.n = w * h);
    this.grey = new Uint8Array(n);
    this.norm = new Uint8Array(n);
    this.cur = new Uint8Array(n);
    this.prev = new Uint8Array(n);
    this.blurTmp = new Uint16Array(n);
    this.background = new Float32Array(n);
    this.foreground = new Uint8Array(n);
    this.changing = new Uint8Array(n);
    this.dilated = new Uint8Array(n);
    this.dilateTmp = new Uint8Array(n);
    this.stillFrames = new Uint8Array(n);
    this.sensitivity = new Uint8Array(n);
    this.masked = new Uint8Array(n);
    this.threshold = new Uint8Array(n);
    const g = Math.max(1, Math.round(tuning.globalGrid));
    this.cells = g * g;
    this.cellOf = new Uint8Array(n);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) this.cellOf[y * w + x] = Math.min(g - 1, Math.floor((y * g) / h)) * g + Math.min(g - 1, Math.floor((x * g) / w));
    }
    this.cellPixels = new Uint32Array(this.cells);
    this.cellForeground = new Uint32Array(this.cells);
    this.cellDiff = new Float64Array(this.cells);
    this.blobs = new BlobFinder(w, h);
  }

  /** Rasterises masks and zones into the per-pixel maps. */
  paint(config: MotionConfig): void {
    const { w, h, n } = this;
    const camera = clampSensitivity(config.sensitivity, 5);
    // Overlapping zones: the most sensitive one wins.
    const zoneLevel = this.sensitivity;
    zoneLevel.fill(0);
    for (const zone of config.zones) {
      if (zone.sensitivity === undefined) continue;
      const level = clampSensitivity(zone.sensitivity, camera);
      forEachInside(zone.polygon, w, h, (y, from, to) => {
        for (let i = y * w + from; i < y * w + to; i++) if (level > zoneLevel[i]) zoneLevel[i] = level;
      });
    }
    for (let i = 0; i < n; i++) if (zoneLevel[i] === 0) zoneLevel[i] = camera;
    this.masked.fill(0);
    for (const mask of config.masks) forEachInside(mask, w, h, (y, from, to) => this.masked.fill(1, y * w + from, y * w + to));
    this.unmasked = 0;
    this.cellPixels.fill(0);
    for (let i = 0; i < n; i++) {
      if (this.masked[i]) {
        this.sensitivity[i] = 0;
        this.threshold[i] = 255;
      } else {
        this.threshold[i] = thresholdFor(this.sensitivity[i]);
        this.unmasked++;
        this.cellPixels[this.cellOf[i]]++;
      }
    }
  }
}

export class MotionDetector {
  private config: MotionConfig;
  private readonly tuning: MotionTuning;
  private layout: Layout | null = null;
  private readonly contrast: ContrastStretch;
  private readonly activity: MotionActivity;
  private pendingReset: MotionResetReason | null = 'start';
  private calibrating = true;
  private calibrationStart = 0;
  private quietCalibrationFrames = 0;
  private lastAt: number | null = null;
  private intervalMs = DEFAULT_INTERVAL_MS;
  private readonly counters = { frames: 0, resets: 0, globalChanges: 0 };
  private lastReset: MotionResetReason | null = null;
  /** Smallest blob per sensitivity level (index 0 unused), at the working height. */
  private minArea = new Uint32Array(11);
  /** Scratch for the lighting check: background band × current level histogram, and the fitted curve. */
  private readonly toneHistogram = new Uint32Array(32 * 64);
  private readonly toneCurve = new Uint8Array(32);
  /** Frame-to-frame change histogram (stretched levels), for the noise floor. */
  private readonly stepHistogram = new Uint32Array(256);
  private noiseLevel = 0;
  /** No pixel threshold goes below this (grey levels on the stretched picture). */
  private noiseFloor = 0;
  /** Foreground pixels that changed since the previous frame (set by `compare`). */
  private changingCount = 0;

  constructor(config: Partial<MotionConfig> = {}, size?: { width: number; height: number }, tuning: Partial<MotionTuning> = {}) {
    this.config = { ...DEFAULT_MOTION_CONFIG, ...config };
    this.tuning = { ...DEFAULT_TUNING, ...tuning };
    this.contrast = new ContrastStretch(this.tuning.contrastHistory, this.tuning.lowPercentile, this.tuning.highPercentile);
    this.activity = new MotionActivity(this.timing());
    if (size) this.relayout(size.width, size.height, 'yuv420p'); // the decoder's layout; an rgb24 first frame re-lays out
  }

  /** Relearn the background from the next frame (decoder restarted, ONVIF day/night switch, PTZ move). */
  reset(reason: MotionResetReason): void {
    this.pendingReset = reason;
  }

  /** New settings. Changed masks relearn the background (their edges change the blurred picture); sensitivity and zones apply at once. */
  updateConfig(config: Partial<MotionConfig>): void {
    const before = this.config;
    this.config = { ...this.config, ...config };
    this.activity.timing = this.timing();
    if (this.layout) {
      this.layout.paint(this.config);
      this.computeMinAreas();
    }
    if (JSON.stringify(before.masks) !== JSON.stringify(this.config.masks)) this.reset('config');
  }

  /** Ends active motion (detection stopped): the end transition, or null when motion was not active. */
  finish(): MotionTransition | null {
    return this.activity.finish();
  }

  get active(): boolean {
    return this.activity.active;
  }

  stats(): MotionStats {
    return {
      ...this.counters,
      calibrating: this.calibrating,
      lastReset: this.lastReset,
      width: this.layout?.w ?? null,
      height: this.layout?.h ?? null,
    };
  }

  process(frame: RgbFrame): MotionFrameOutput {
    const at = frame.at;
    this.counters.frames++;
    this.trackInterval(at);
    const format = formatOf(frame);
    if (!this.layout || this.layout.srcWidth !== frame.width || this.layout.srcHeight !== frame.height) {
      if (this.layout) this.reset('size');
      this.relayout(frame.width, frame.height, format);
    } else if (this.layout.format !== format) {
      // Same picture, other layout (grey levels differ slightly between rgb and Y): relearn (unless a reset is pending anyway).
      this.relayout(frame.width, frame.height, format);
    }
    const L = this.layout!;
    L.downscaler.run(frame.data, L.grey);

    if (this.pendingReset !== null) {
      const reason = this.pendingReset;
      this.pendingReset = null;
      this.relearn(at, reason);
      return this.output(at, [], 0, 'calibrating');
    }

    this.contrast.observe(L.grey, L.masked, this.calibrating, this.calibrating ? null : L.foreground);
    this.normalise();
    const foregroundShare = this.compare();

    if (!this.calibrating && (this.wholePictureChanged() || this.explainedByLighting())) {
      this.counters.globalChanges++;
      this.relearn(at, 'global-change');
      return this.output(at, [], foregroundShare, 'global-change');
    }
    if (this.calibrating) {
      this.quietCalibrationFrames = foregroundShare < this.tuning.calibratedShare ? this.quietCalibrationFrames + 1 : 0;
      if (this.quietCalibrationFrames >= this.tuning.calibratedFrames || at - this.calibrationStart >= this.tuning.calibrationMaxMs) {
        this.calibrating = false;
      }
      return this.output(at, [], foregroundShare, 'calibrating');
    }

    // Most frames of most cameras: nothing differs from the background.
    if (foregroundShare === 0) return this.output(at, [], 0);
    dilate3(L.foreground, L.dilated, L.dilateTmp, L.w, L.h);
    const boxes: Box[] = [];
    let movingArea = 0;
    for (const blob of L.blobs.find(L.dilated, L.changing, L.sensitivity)) {
      const minArea = this.minArea[blob.sensitivity];
      // A blob that no longer changes is a stopped object or the ghost of a departed one: not motion.
      if (blob.area < minArea || blob.changing < Math.max(2, Math.ceil(minArea / 4))) continue;
      movingArea += blob.area;
      boxes.push({ x: blob.minX / L.w, y: blob.minY / L.h, w: (blob.maxX - blob.minX + 1) / L.w, h: (blob.maxY - blob.minY + 1) / L.h });
    }
    return this.output(at, boxes, L.unmasked > 0 ? Math.min(1, movingArea / L.unmasked) : 0);
  }

  // ---------------------------------------------------------------- steps

  /** Masked pixels set to a constant (so masked motion cannot blur into its surroundings), then blurred: `cur`. */
  private normalise(): void {
    const L = this.layout!;
    const { norm, masked, grey, n } = L;
    if (L.unmasked === n) {
      blur3(grey, L.cur, L.blurTmp, L.w, L.h); // no mask: nothing to blank out
      return;
    }
    for (let i = 0; i < n; i++) norm[i] = masked[i] ? 0 : grey[i];
    blur3(norm, L.cur, L.blurTmp, L.w, L.h);
  }

  /**
   * Compares `cur` with the background and the previous frame, marks
   * foreground and changing pixels, feeds the grid cells and updates the
   * background. Returns the share of unmasked pixels in the foreground.
   *
   * The background is kept in plain grey levels and both sides go through the
   * contrast stretch when compared: the stretch is a gain on differences, so
   * when it changes (a big dark object walks in, dusk) the background does not
   * drift away from the picture (Frigate stretches first and averages the
   * stretched pictures, so a changing stretch reads as motion everywhere).
   */
  private compare(): number {
    const L = this.layout!;
    const { cur, prev, background: bg, threshold, foreground, changing, stillFrames, cellOf, cellForeground, cellDiff } = L;
    const lut = this.contrast.lut;
    const alpha = Math.min(0.5, this.intervalMs / this.tuning.backgroundMs);
    const leak = alpha * MOVING_LEAK;
    const absorbAfter = Math.min(255, Math.max(2, Math.round(this.tuning.stillMs / this.intervalMs)));
    const calibrating = this.calibrating;
    cellForeground.fill(0);
    cellDiff.fill(0);
    const floor = this.noiseFloor;
    const steps = this.stepHistogram;
    steps.fill(0);
    let count = 0;
    let changingCount = 0;
    const n = L.n;
    for (let i = 0; i < n; i++) {
      const own = threshold[i];
      if (own === 255) {
        foreground[i] = 0;
        changing[i] = 0;
        continue;
      }
      const t = own > floor ? own : floor;
      const c = cur[i];
      const b = bg[i];
      const sc = lut[c];
      const sb = lut[(b + 0.5) | 0];
      const sp = lut[prev[i]];
      const d = sc > sb ? sc - sb : sb - sc;
      const step = sc > sp ? sc - sp : sp - sc;
      steps[step]++;
      const moved = step > (t >> 1 > 4 ? t >> 1 : 4);
      const still = moved ? 0 : stillFrames[i] < 255 ? stillFrames[i] + 1 : 255;
      stillFrames[i] = still;
      const fg = d > t;
      foreground[i] = fg ? 1 : 0;
      changing[i] = fg && moved ? 1 : 0;
      const cell = cellOf[i];
      cellDiff[cell] += d;
      if (fg) {
        count++;
        cellForeground[cell]++;
        if (moved) changingCount++;
      }
      const rate = calibrating ? CALIBRATE_RATE : !fg ? alpha : still >= absorbAfter ? ABSORB_RATE : leak;
      bg[i] = b + rate * (c - b);
    }
    L.cur = prev;
    L.prev = cur;
    this.changingCount = changingCount;
    this.trackNoise();
    return L.unmasked > 0 ? count / L.unmasked : 0;
  }

  /**
   * The noise floor: the median frame-to-frame change of the (stretched)
   * picture is sensor noise (moving things are a minority of pixels); no
   * threshold goes below NOISE_FACTOR times it. Without it a dark night
   * picture, stretched ×10, is all noise; with it the sensitivity still
   * applies in daylight, where the floor is far below the thresholds. It
   * rises fast (no burst of false motion when the noise grows, e.g. at the
   * IR switch) and falls slowly.
   */
  private trackNoise(): void {
    const L = this.layout!;
    const steps = this.stepHistogram;
    const half = L.unmasked / 2;
    let seen = 0;
    let median = 0;
    for (; median < 255; median++) {
      seen += steps[median];
      if (seen >= half) break;
    }
    const target = Math.min(200, NOISE_FACTOR * (median + 0.5));
    this.noiseLevel += (target > this.noiseLevel ? 0.3 : 0.05) * (target - this.noiseLevel);
    this.noiseFloor = Math.round(this.noiseLevel);
  }

  /**
   * A light switched on, an IR switch, an exposure jump: nearly every part of
   * the picture differs from the background at once. A big object near the
   * lens covers some cells; this covers (nearly) all of them.
   */
  private wholePictureChanged(): boolean {
    const L = this.layout!;
    const t = this.tuning;
    // A uniform shift of most of a cell's pixels, even below the threshold, is a lighting change too.
    const shift = Math.max(thresholdFor(this.config.sensitivity), this.noiseFloor) * 0.75;
    const cellArea = L.n / L.cells;
    let valid = 0;
    let changed = 0;
    for (let c = 0; c < L.cells; c++) {
      const pixels = L.cellPixels[c];
      if (pixels < cellArea / 4) continue; // mostly masked: says nothing
      valid++;
      if (L.cellForeground[c] >= t.cellForegroundShare * pixels || L.cellDiff[c] > shift * pixels) changed++;
    }
    return valid > 0 && changed >= t.globalCellShare * valid;
  }

  /**
   * A lighting change (light on, IR switch, exposure step) maps every grey
   * level of the scene through one monotonic tone curve; an object does not.
   * The curve is estimated as the median current level per background level
   * (32 bands); if it explains nearly all of the change, the change is
   * lighting, however unevenly it hit the picture (bright parts saturate,
   * black parts barely move: the grid check alone misses that).
   * Only what changed on this frame is judged: pixels that were already
   * foreground and stood still (an object being absorbed) are left out of
   * both the curve and the count.
   */
  private explainedByLighting(): boolean {
    const L = this.layout!;
    if (this.changingCount < LIGHTING_MIN_SHARE * L.unmasked) return false;
    const { prev: cur, background: bg, threshold, foreground, changing } = L; // `compare` swapped: this frame is in `prev`
    const hist = this.toneHistogram;
    hist.fill(0);
    for (let i = 0; i < L.n; i++) {
      if (threshold[i] === 255 || (foreground[i] !== 0 && changing[i] === 0)) continue;
      hist[(((bg[i] + 0.5) | 0) >> 3) * 64 + (cur[i] >> 2)]++;
    }
    // The median level per band; a lighting change keeps the order of levels
    // (a monotonic curve), an object mapping some bands to its own colour
    // does not.
    const curve = this.toneCurve;
    const minBand = Math.max(20, 0.003 * L.unmasked);
    let runningMax = 0;
    let considered = 0;
    let outOfOrder = 0;
    for (let band = 0; band < 32; band++) {
      let total = 0;
      for (let k = 0; k < 64; k++) total += hist[band * 64 + k];
      let seen = 0;
      let k = 0;
      for (; k < 64 && total > 0; k++) {
        seen += hist[band * 64 + k];
        if (seen * 2 >= total) break;
      }
      curve[band] = total > 0 ? k * 4 + 2 : band * 8 + 4;
      if (total < minBand) continue;
      considered += total;
      if (curve[band] + TONE_ORDER_SLACK < runningMax) outOfOrder += total;
      if (curve[band] > runningMax) runningMax = curve[band];
    }
    if (outOfOrder > TONE_OUT_OF_ORDER * considered) return false;
    const lut = this.contrast.lut;
    let unexplained = 0;
    for (let i = 0; i < L.n; i++) {
      const own = threshold[i];
      if (own === 255 || changing[i] === 0) continue;
      const t = own > this.noiseFloor ? own : this.noiseFloor;
      const expected = lut[curve[((bg[i] + 0.5) | 0) >> 3]];
      const actual = lut[cur[i]];
      if ((actual > expected ? actual - expected : expected - actual) > t) unexplained++;
    }
    return unexplained < LIGHTING_UNEXPLAINED * this.changingCount;
  }

  /** The background becomes the current picture, with a freshly measured contrast stretch. */
  private relearn(at: number, reason: MotionResetReason): void {
    const L = this.layout!;
    this.contrast.observe(L.grey, L.masked, true);
    this.normalise();
    L.background.set(L.cur);
    L.prev.set(L.cur);
    L.stillFrames.fill(0);
    this.calibrating = true;
    this.calibrationStart = at;
    this.quietCalibrationFrames = 0;
    this.counters.resets++;
    this.lastReset = reason;
  }

  private output(at: number, boxes: Box[], changedFraction: number, reset?: 'global-change' | 'calibrating'): MotionFrameOutput {
    const transition = this.activity.update(at, boxes.length > 0);
    const out: MotionFrameOutput = { at, boxes, changedFraction, active: this.activity.active, calibrating: this.calibrating };
    if (reset) out.reset = reset;
    if (transition) out.transition = transition;
    return out;
  }

  // ---------------------------------------------------------------- bookkeeping

  private relayout(width: number, height: number, format: FrameFormat): void {
    this.layout = new Layout(width, height, format, this.tuning);
    this.layout.paint(this.config);
    this.computeMinAreas();
    this.contrast.clear();
    if (this.pendingReset === null) this.pendingReset = 'size';
  }

  private computeMinAreas(): void {
    const h = this.layout!.h;
    for (let s = 1; s <= 10; s++) this.minArea[s] = minAreaFor(s, h);
  }

  /** The frame interval, smoothed: rates and still times are in ms, so they hold at any fps. */
  private trackInterval(at: number): void {
    if (this.lastAt !== null && at > this.lastAt) {
      const dt = Math.min(5000, Math.max(20, at - this.lastAt));
      this.intervalMs = this.counters.frames <= 2 ? dt : this.intervalMs * 0.8 + dt * 0.2;
      this.activity.timing = this.timing();
    }
    this.lastAt = at;
  }

  private timing() {
    const t = this.tuning;
    return {
      minDurationMs: Math.max(0, this.config.minDurationMs),
      // At 1 fps a pause of one frame must not end a run.
      quietMs: Math.max(t.quietMs, 2.5 * this.intervalMs),
      candidateGapMs: Math.max(t.candidateGapMs, 2.5 * this.intervalMs),
    };
  }
}
