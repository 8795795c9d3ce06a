/**
 * Object detection (issue 12), the API the DetectionService uses:
 *
 *   const detector = await createObjectDetector({ threads: 2, queue: 4, model?, modelDir?, labels?, scoreThreshold?, log });
 *   const tracker = new Tracker();                           // one per camera
 *   const regions = buildRegions(motion.boxes, lastObjects.map((o) => o.box), frame.width, frame.height, detector.inputSize);
 *   const found = await detector.detect(frame, regions);   // Detection[] | null (null = dropped; counted in stats())
 *   const { objects, started, ended, stationary } = tracker.update(found ?? [], frame.at, found ? regions : []);
 *   // (a dropped frame looked nowhere: passing no searched regions keeps it from counting as a miss)
 *   …
 *   await detector.close(); // before the process exits (see detector.ts)
 *
 * `started` objects are new (report once), `stationary` ones just settled (report once, then stay
 * quiet), `ended` ones left. Boxes everywhere are normalised to the frame (types.ts).
 *
 * Model choice and licence: docs/detection-model.md.
 */
export { createObjectDetector, type ObjectDetector, type ObjectDetectorOptions, type DetectorStats } from './detector.ts';
export { buildRegions } from './regions.ts';
export { Tracker, type TrackerOptions, type TrackerUpdate } from './tracker.ts';
export { resolveModel, builtModelPath, type ModelOption, type ModelSpec, type ModelKind } from './model.ts';
export { COCO_LABELS, toObjectLabel } from './labels.ts';
