/**
 * The Review page's filters and their place in the address
 * (`#/review?camera=2&severity=alert&label=person&zone=driveway&range=7d&reviewed=all`),
 * so a reload or a link shows the same list. Pure: tested without a browser.
 */
import type { ObjectLabel, ReviewItem, ReviewQuery, ReviewSeverity } from '../../../preload/api.ts';
import { LABELS } from '../detection/labels.ts';

export const RANGES = [
  { key: '1h', label: 'Last hour', ms: 3600_000 },
  { key: '24h', label: '24 hours', ms: 24 * 3600_000 },
  { key: '7d', label: '7 days', ms: 7 * 24 * 3600_000 },
  { key: '30d', label: '30 days', ms: 30 * 24 * 3600_000 },
] as const;
export type RangeKey = (typeof RANGES)[number]['key'];

export interface ReviewFilters {
  camera: number | null;
  severity: ReviewSeverity | null;
  label: ObjectLabel | null;
  zone: string | null;
  range: RangeKey;
  /** false: only items not reviewed yet (the default: the inbox). */
  showReviewed: boolean;
}

export const DEFAULT_FILTERS: ReviewFilters = { camera: null, severity: null, label: null, zone: null, range: '24h', showReviewed: false };

/** Reads filters from the route's query; anything unknown falls back to the default. */
export function parseFilters(q: URLSearchParams): ReviewFilters {
  const camera = Number(q.get('camera'));
  const severity = q.get('severity');
  const label = q.get('label');
  const zone = q.get('zone');
  const range = q.get('range');
  return {
    camera: Number.isSafeInteger(camera) && camera > 0 ? camera : null,
    severity: severity === 'alert' || severity === 'detection' ? severity : null,
    label: label && (LABELS as readonly string[]).includes(label) ? (label as ObjectLabel) : null,
    zone: zone && /^[a-z0-9-]{1,40}$/.test(zone) ? zone : null,
    range: RANGES.some((r) => r.key === range) ? (range as RangeKey) : DEFAULT_FILTERS.range,
    showReviewed: q.get('reviewed') === 'all',
  };
}

/** The hash for these filters (defaults left out, so the plain page is `#/review`). */
export function filtersHash(f: ReviewFilters): string {
  const q = new URLSearchParams();
  if (f.camera !== null) q.set('camera', String(f.camera));
  if (f.severity) q.set('severity', f.severity);
  if (f.label) q.set('label', f.label);
  if (f.zone) q.set('zone', f.zone);
  if (f.range !== DEFAULT_FILTERS.range) q.set('range', f.range);
  if (f.showReviewed) q.set('reviewed', 'all');
  const s = q.toString();
  return s ? `#/review?${s}` : '#/review';
}

/** The API query: the range ends a minute from now so items still open are included. */
export function toQuery(f: ReviewFilters, now: number): ReviewQuery {
  const span = RANGES.find((r) => r.key === f.range)!.ms;
  const query: ReviewQuery = { from: Math.max(0, now - span), to: now + 60_000 };
  if (f.camera !== null) query.camera = f.camera;
  if (f.severity) query.severity = f.severity;
  if (f.label) query.label = f.label;
  if (f.zone) query.zone = f.zone;
  if (!f.showReviewed) query.reviewed = false;
  return query;
}

/**
 * What the page lists: the server's answer, plus the items marked reviewed
 * here since the filters last changed (so marking one in the inbox dims it
 * instead of pulling the list from under the keyboard cursor). Newest first.
 */
export function mergeShown(fromServer: readonly ReviewItem[], markedHere: ReadonlyMap<number, ReviewItem>): ReviewItem[] {
  const byId = new Map<number, ReviewItem>();
  for (const item of fromServer) byId.set(item.id, markedHere.get(item.id)?.reviewed === item.reviewed ? item : (markedHere.get(item.id) ?? item));
  for (const [id, item] of markedHere) if (!byId.has(id)) byId.set(id, item);
  return [...byId.values()].sort((a, b) => b.start - a.start || b.id - a.id);
}

/** The timeline opens zoomed to 10 minutes around the item: its event markers are wide enough to see. */
export const TIMELINE_SPAN_MS = 10 * 60_000;

/** The moment to open in the timeline: a little before the activity (the clip start). */
export function timelineHash(item: Pick<ReviewItem, 'cameraId' | 'clipStart' | 'start'>): string {
  const t = Math.min(item.clipStart, item.start);
  return `#/timeline?cameras=${item.cameraId}&t=${Math.round(t)}&span=${TIMELINE_SPAN_MS}`;
}

/**
 * Keyboard movement in a grid of `count` items laid out `columns` per row:
 * j/k (and ← →) one item, ↑ ↓ one row. Clamped to the list.
 */
export function moveCursor(index: number, key: string, count: number, columns: number): number | null {
  if (!count) return null;
  const from = index < 0 ? -1 : index;
  let to: number;
  if (key === 'j' || key === 'ArrowRight') to = from + 1;
  else if (key === 'k' || key === 'ArrowLeft') to = from - 1;
  else if (key === 'ArrowDown') to = from < 0 ? 0 : from + Math.max(1, columns);
  else if (key === 'ArrowUp') to = from - Math.max(1, columns);
  else if (key === 'Home') to = 0;
  else if (key === 'End') to = count - 1;
  else return null;
  return Math.min(count - 1, Math.max(0, to));
}
