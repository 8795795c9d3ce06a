/**
 * Class lists and the mapping from a detector's classes to Keepwatch's labels.
 *
 * `COCO_LABELS` is the 80-class COCO order every COCO detector uses (NanoDet,
 * YOLO). `toObjectLabel('motorcycle')` → 'motorbike'; trucks and buses count
 * as 'car' (a camera user asks "was there a vehicle", not which kind); every
 * other class (horse, cow, kite...) maps to null and is ignored.
 */
import type { ObjectLabel } from '../types.ts';

export const COCO_LABELS: readonly string[] = [
  'person', 'bicycle', 'car', 'motorcycle', 'airplane', 'bus', 'train', 'truck', 'boat', 'traffic light',
  'fire hydrant', 'stop sign', 'parking meter', 'bench', 'bird', 'cat', 'dog', 'horse', 'sheep', 'cow',
  'elephant', 'bear', 'zebra', 'giraffe', 'backpack', 'umbrella', 'handbag', 'tie', 'suitcase', 'frisbee',
  'skis', 'snowboard', 'sports ball', 'kite', 'baseball bat', 'baseball glove', 'skateboard', 'surfboard', 'tennis racket', 'bottle',
  'wine glass', 'cup', 'fork', 'knife', 'spoon', 'bowl', 'banana', 'apple', 'sandwich', 'orange',
  'broccoli', 'carrot', 'hot dog', 'pizza', 'donut', 'cake', 'chair', 'couch', 'potted plant', 'bed',
  'dining table', 'toilet', 'tv', 'laptop', 'mouse', 'remote', 'keyboard', 'cell phone', 'microwave', 'oven',
  'toaster', 'sink', 'refrigerator', 'book', 'clock', 'vase', 'scissors', 'teddy bear', 'hair drier', 'toothbrush',
];

const ALIASES: Record<string, ObjectLabel> = {
  person: 'person',
  people: 'person',
  pedestrian: 'person',
  car: 'car',
  truck: 'car',
  bus: 'car',
  bicycle: 'bicycle',
  bike: 'bicycle',
  motorcycle: 'motorbike',
  motorbike: 'motorbike',
  dog: 'dog',
  cat: 'cat',
  bird: 'bird',
};

/** A detector class name → a Keepwatch label, or null when Keepwatch does not track that class. */
export function toObjectLabel(className: string): ObjectLabel | null {
  return ALIASES[className.trim().toLowerCase()] ?? null;
}

/** Per class index, the Keepwatch label (or null): computed once per model. */
export function labelTable(classNames: readonly string[]): (ObjectLabel | null)[] {
  return classNames.map(toObjectLabel);
}

/** Parses a class list file: one name per line (YOLO's coco.names style); blank lines and # comments ignored. */
export function parseLabelFile(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.replace(/#.*$/, '').trim())
    .filter((l) => l.length > 0);
}
