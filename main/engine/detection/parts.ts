/**
 * The pieces a camera's detection pipeline is built from, as the service sees
 * them. The real ones are motion/ (helper A), frame-source.ts and objects/
 * (helper B), wired in default-parts.ts; tests hand in fakes (a scripted frame
 * source, a detector that "sees" what the test says).
 */
import type { DetectionConfig } from '../../../preload/contract/detection.ts';
import type { Box, Detection, MotionFrameResult, RgbFrame, TrackedObject } from './types.ts';

export type { Box };

export interface FrameSourceHandle {
  close(): void;
  /** Decoded frames the source dropped (the consumer was busy); optional. */
  dropped?(): number;
  /** Video fragments never decoded because the decoder had fallen behind; optional. */
  skipped?(): number;
  /** Decode every frame for at least `ms` from now (with keyframesWhenStill); optional. */
  stayAwake?(ms: number): void;
  /** Whether every frame is decoded now, or keyframes only (the picture is still); optional. */
  decoding?(): 'every-frame' | 'keyframes';
}

export interface FrameSourceRequest {
  cameraId: number;
  fps: number;
  /** Decode only keyframes while the pipeline does not keep the source awake (stillDecoding 'keyframes'). */
  keyframesWhenStill?: boolean;
  onFrame(frame: RgbFrame): void;
  /** The stream restarted (reconnect, new init): the motion background is stale. */
  onRestart(reason: string): void;
  /** The source failed for good (no such stream, ffmpeg missing); shown in status. */
  onError?(message: string): void;
}

export interface MotionDetectorLike {
  process(frame: RgbFrame): MotionFrameResult;
  /** Forget the background (reconnect, ONVIF day/night switch). */
  reset?(reason: string): void;
  /** Ends active motion now (detection stopping); its end transition, if any. */
  finish?(): MotionFrameResult['transition'] | null;
}

export interface ObjectDetectorLike {
  /** The model's square input side (px): regions are at least this big. */
  readonly inputSize: number;
  /** Runs on square regions (normalised boxes). null: dropped (the detector is busy); counted by the detector. */
  detect(frame: RgbFrame, regions: readonly Box[]): Promise<Detection[] | null>;
  stats(): { inferences: number; dropped: number };
  close(): void | Promise<void>;
}

export interface TrackerLike {
  /**
   * Feeds one frame's detections (found in the `searched` regions); returns
   * every confirmed object alive after it. An object missing from `objects`
   * has ended.
   */
  update(detections: readonly Detection[], at: number, searched?: readonly Box[]): { objects: TrackedObject[] };
}

export interface DetectionParts {
  startFrameSource(request: FrameSourceRequest): FrameSourceHandle;
  createMotionDetector(config: DetectionConfig, size: { width: number; height: number }): MotionDetectorLike;
  /** The engine's one object detector (shared by every camera); rejects when no model is available. */
  createObjectDetector(): Promise<ObjectDetectorLike>;
  /** Regions (normalised square boxes) to run the detector on: around motion and around the objects being tracked. */
  buildRegions(motionBoxes: readonly Box[], trackedBoxes: readonly Box[], frame: { width: number; height: number }, modelSize: number): Box[];
  createTracker(): TrackerLike;
  /** A JPEG of a frame (review thumbnails, MQTT snapshots). */
  encodeJpeg(frame: RgbFrame): Promise<Buffer>;
}
