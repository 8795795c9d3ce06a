/** Motion detection (pure): see README.md. */
export { MotionDetector, type MotionFrameOutput, type MotionResetReason, type MotionStats, type MotionTransition } from './motion-detector.ts';
export { DEFAULT_MOTION_CONFIG, DEFAULT_TUNING, thresholdFor, minAreaFor, type MotionConfig, type MotionTuning, type MotionZone, type Polygon, type Point } from './config.ts';
export { rasterise, forEachInside } from './polygon-raster.ts';
