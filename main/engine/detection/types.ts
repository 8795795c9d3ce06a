/**
 * Engine-internal types shared by the detection pipeline (docs/detection.md):
 * frame source → motion → regions → object detector → tracker → service.
 *
 * Coordinates are normalised to the frame (0–1, origin top-left) so that
 * zones and masks drawn on a snapshot of any resolution apply to frames of
 * any other resolution. Times are UTC milliseconds.
 */
import type { ObjectLabel } from '../../../preload/contract/detection.ts';

export type { ObjectLabel };

/** A rectangle normalised to the frame: 0–1 on both axes, origin top-left. */
export type Box = { x: number; y: number; w: number; h: number };

/** Pixel layout of a frame: packed rgb24, or planar 4:2:0 (Y plane, then U, then V, each row-major). */
export type FrameFormat = 'rgb24' | 'yuv420p';

/**
 * One decoded frame. The decoder's frames are yuv420p (cheaper to make and
 * to move; motion reads the Y plane); pictures loaded in tests are rgb24.
 * frame-format.ts converts.
 */
export interface RgbFrame {
  width: number;
  height: number;
  /** Row-major pixels in `format`: rgb24 is width × height × 3 bytes, yuv420p width × height × 1.5. */
  data: Uint8Array;
  /** Absent means rgb24. */
  format?: FrameFormat;
  /** When the frame was captured (UTC ms). */
  at: number;
}

/** What the motion detector says about one frame. */
export interface MotionFrameResult {
  at: number;
  /** Moving areas (after masks), normalised. */
  boxes: Box[];
  /** Fraction of the (unmasked) picture that changed, 0–1. */
  changedFraction: number;
  /** True while motion counts (after the minimum duration; false while calibrating or after a reset). */
  active: boolean;
  /** Why this frame did not count: the whole picture changed (lights, IR switch, reconnect) or the background is still being learnt. */
  reset?: 'global-change' | 'calibrating';
  /**
   * Set on the frame where `active` flips: when the motion really started
   * (its first moving frame) or ended (its last moving frame), backdated over
   * the minimum duration and the quiet time. The service uses these times for
   * motion events; without them it uses `at`.
   */
  transition?: { type: 'start'; at: number } | { type: 'end'; at: number; startedAt: number };
}

/** One object the detector found in one frame. */
export interface Detection {
  label: ObjectLabel;
  /** 0–1 */
  score: number;
  box: Box;
}

/** One object followed across frames by the tracker. */
export interface TrackedObject {
  /** Unique per tracker (per camera), never reused. */
  id: number;
  label: ObjectLabel;
  /** Best score seen so far. */
  score: number;
  /** The latest box. */
  box: Box;
  firstSeen: number;
  lastSeen: number;
  /** True once the object has not moved for a while (a parked car): reported once, not every frame. */
  stationary: boolean;
  /** Zone ids the object is in (filled in by the service, see zones.ts). */
  zones: string[];
}
