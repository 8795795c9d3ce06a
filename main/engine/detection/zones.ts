/**
 * Which zones an object is in. As Frigate does it: the object's anchor is the
 * bottom centre of its box (where a person's feet or a car's wheels touch the
 * ground), so someone standing on the pavement in front of the driveway, whose
 * head pokes into it, is not "in the driveway". Pure.
 */
import type { DetectionZone } from '../../../preload/contract/detection.ts';
import type { Box, ObjectLabel } from './types.ts';

type Point = readonly [number, number];

/** Point in polygon by ray casting (even-odd). Points on an edge may land either way. */
export function pointInPolygon(p: Point, polygon: readonly Point[]): boolean {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i];
    const [xj, yj] = polygon[j];
    if (yi > p[1] !== yj > p[1] && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** The bottom centre of a box. */
export function anchorOf(box: Box): Point {
  return [box.x + box.w / 2, Math.min(1, box.y + box.h)];
}

/** Ids of the zones this object is in: its anchor inside the polygon, and the zone counting its label. */
export function zonesOf(label: ObjectLabel, box: Box, zones: readonly DetectionZone[]): string[] {
  const anchor = anchorOf(box);
  return zones.filter((z) => (!z.labels || z.labels.includes(label)) && pointInPolygon(anchor, z.polygon)).map((z) => z.id);
}

/**
 * Whether an object makes its review item an alert: an alert label, inside a
 * zone — or anywhere, when the camera has no zones.
 */
export function isAlert(label: ObjectLabel, inZones: readonly string[], alertLabels: readonly ObjectLabel[], cameraHasZones: boolean): boolean {
  if (!alertLabels.includes(label)) return false;
  return cameraHasZones ? inZones.length > 0 : true;
}
