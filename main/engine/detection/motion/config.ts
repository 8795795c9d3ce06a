/**
 * Motion settings: what the user chooses (sensitivity, minimum duration,
 * masks, zones — the motion part of the camera's DetectionConfig, so that
 * object can be passed as it is) and the tuning constants behind them.
 * See README.md in this folder for what each one does.
 */

/** [x, y], 0–1 of the picture, origin top-left. */
export type Point = readonly [number, number];
/** A closed polygon (the last point joins the first). */
export type Polygon = readonly Point[];

export interface MotionZone {
  polygon: Polygon;
  /** Sensitivity inside this zone (1–10); overrides the camera's for its pixels. */
  sensitivity?: number;
}

/** The user's choices (a DetectionConfig satisfies this). */
export interface MotionConfig {
  /** 1 (only big changes) … 10 (the slightest change). */
  sensitivity: number;
  /** Motion must last this long before it counts as active. */
  minDurationMs: number;
  /** Pixels inside a mask never count as motion. */
  masks: readonly Polygon[];
  /** Zones with their own sensitivity; zones without one change nothing here. */
  zones: readonly MotionZone[];
}

/** Internal constants, overridable for tests and benches. */
export interface MotionTuning {
  /** Height of the grey picture the detector works on (px); the width follows the aspect ratio. */
  frameHeight: number;
  /** Time constant of the running background average (ms): alpha = frame interval / this. */
  backgroundMs: number;
  /** A changed pixel that stops changing for this long is part of the scene again (stopped car, ghost of a departed object). */
  stillMs: number;
  /** Active motion ends after this long without motion; the end time is the last moving frame. */
  quietMs: number;
  /** While motion is not active yet, a pause longer than this starts the minimum duration over. */
  candidateGapMs: number;
  /** Contrast stretch between these percentiles of the picture... */
  lowPercentile: number;
  highPercentile: number;
  /** ...averaged over this many frames, so the stretch does not flicker. */
  contrastHistory: number;
  /** Grid (cells per side) used to tell a whole-picture change from a big object. */
  globalGrid: number;
  /** Share of grid cells that must change at once for a whole-picture change (lights, IR switch). */
  globalCellShare: number;
  /** A cell changed when this share of its pixels is foreground... */
  cellForegroundShare: number;
  /** Calibration ends once less than this share of the picture differs from the background... */
  calibratedShare: number;
  /** ...for this many frames in a row... */
  calibratedFrames: number;
  /** ...or, whatever the picture does, after this long (rain, a crowd: never quiet). */
  calibrationMaxMs: number;
}

export const DEFAULT_TUNING: MotionTuning = {
  frameHeight: 120,
  backgroundMs: 20_000,
  stillMs: 1500,
  quietMs: 2000,
  candidateGapMs: 600,
  lowPercentile: 0.04,
  highPercentile: 0.96,
  contrastHistory: 50,
  globalGrid: 6,
  globalCellShare: 0.75,
  cellForegroundShare: 0.3,
  calibratedShare: 0.05,
  calibratedFrames: 2,
  calibrationMaxMs: 10_000,
};

export const DEFAULT_MOTION_CONFIG: MotionConfig = { sensitivity: 5, minDurationMs: 1000, masks: [], zones: [] };

/**
 * Per sensitivity level (index 1–10): the grey-level difference from the
 * background a pixel needs (on the contrast-stretched 0–255 picture; Frigate's
 * default threshold is 30), and the smallest moving blob counted, in pixels
 * of a 100-px-high picture (after the 3×3 dilation; scaled by area to the
 * working height). Level 5 matches Frigate's defaults (threshold 30, contour
 * area 10 ≈ 20 dilated pixels).
 */
const THRESHOLDS = [0, 60, 50, 42, 35, 30, 26, 22, 18, 15, 12];
const MIN_AREAS = [0, 60, 45, 34, 26, 20, 16, 13, 10, 8, 6];

export function clampSensitivity(s: number | undefined, fallback: number): number {
  const v = s === undefined || !Number.isFinite(s) ? fallback : Math.round(s);
  return Math.min(10, Math.max(1, v));
}

export function thresholdFor(sensitivity: number): number {
  return THRESHOLDS[clampSensitivity(sensitivity, 5)];
}

/** Smallest blob (pixels) at the given working height. */
export function minAreaFor(sensitivity: number, frameHeight: number): number {
  const scale = (frameHeight / 100) ** 2;
  return Math.max(4, Math.round(MIN_AREAS[clampSensitivity(sensitivity, 5)] * scale));
}
