/**
 * The pure rules behind the Review page and the zone/mask editor: filters in
 * the address and in the API query, the list shown while items are marked,
 * keyboard movement in the grid, and the polygon geometry (0–1 coordinates,
 * pixel hit tests, zone ids).
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import type { ReviewItem } from '../../preload/api.ts';
import { DetectionZone, Polygon, ReviewQuery, ZoneId } from '../../preload/api.ts';
import { DEFAULT_FILTERS, filtersHash, mergeShown, moveCursor, parseFilters, timelineHash, toQuery } from '../../renderer/src/review/review-filters.ts';
import { area, closeProblem, containsPoint, nearestPoint, nextName, normalise, slugFor, type Point } from '../../renderer/src/detection/polygon-model.ts';
import { toggleLabel } from '../../renderer/src/detection/labels.ts';

const item = (over: Partial<ReviewItem>): ReviewItem => ({
  id: 1,
  cameraId: 3,
  start: 1_000_000,
  end: 1_010_000,
  severity: 'alert',
  labels: ['person'],
  zones: ['driveway'],
  onvif: [],
  reviewed: false,
  thumbnailId: 'a1',
  eventIds: [1],
  clipStart: 995_000,
  clipEnd: 1_015_000,
  ...over,
});

describe('review filters', () => {
  it('round-trip through the address', () => {
    const f = { camera: 4, severity: 'detection', label: 'dog', zone: 'back-yard', range: '7d', showReviewed: true } as const;
    const hash = filtersHash(f);
    expect(hash).toBe('#/review?camera=4&severity=detection&label=dog&zone=back-yard&range=7d&reviewed=all');
    expect(parseFilters(new URLSearchParams(hash.split('?')[1]))).toEqual(f);
    expect(filtersHash(DEFAULT_FILTERS)).toBe('#/review');
  });

  it('ignore values the API would refuse', () => {
    const q = new URLSearchParams('camera=-2&severity=loud&label=horse&zone=Bad%20Zone&range=2y&reviewed=yes');
    expect(parseFilters(q)).toEqual(DEFAULT_FILTERS);
  });

  it('make a query the contract accepts, unreviewed only by default', () => {
    const now = 1_700_000_000_000;
    const q = toQuery(DEFAULT_FILTERS, now);
    expect(q).toEqual({ from: now - 24 * 3600_000, to: now + 60_000, reviewed: false });
    expect(ReviewQuery.safeParse(q).success).toBe(true);
    const all = toQuery({ ...DEFAULT_FILTERS, camera: 2, label: 'car', zone: 'gate', severity: 'alert', range: '30d', showReviewed: true }, now);
    expect(all).toEqual({ from: now - 30 * 24 * 3600_000, to: now + 60_000, camera: 2, label: 'car', zone: 'gate', severity: 'alert' });
    expect(ReviewQuery.safeParse(all).success).toBe(true);
  });

  it('keep items marked here in the list, newest first', () => {
    const a = item({ id: 1, start: 10 });
    const b = item({ id: 2, start: 30 });
    const c = item({ id: 3, start: 20 });
    // The inbox answer no longer has c (reviewed): it stays, reviewed.
    const shown = mergeShown([a, b], new Map([[3, { ...c, reviewed: true }]]));
    expect(shown.map((i) => [i.id, i.reviewed])).toEqual([
      [2, false],
      [3, true],
      [1, false],
    ]);
    // A fresher server answer wins over an older local mark that agrees with it.
    const fresher = { ...a, reviewed: true, labels: ['person', 'dog'] as ReviewItem['labels'] };
    expect(mergeShown([fresher], new Map([[1, { ...a, reviewed: true }]]))[0].labels).toEqual(['person', 'dog']);
  });

  it('open the timeline just before the activity, on its camera', () => {
    expect(timelineHash(item({}))).toBe('#/timeline?cameras=3&t=995000&span=600000');
  });

  it('move the keyboard cursor by item and by row, clamped', () => {
    expect(moveCursor(-1, 'j', 5, 3)).toBe(0);
    expect(moveCursor(0, 'k', 5, 3)).toBe(0);
    expect(moveCursor(4, 'j', 5, 3)).toBe(4);
    expect(moveCursor(1, 'ArrowDown', 5, 3)).toBe(4);
    expect(moveCursor(4, 'ArrowUp', 5, 3)).toBe(1);
    expect(moveCursor(2, 'Home', 5, 3)).toBe(0);
    expect(moveCursor(2, 'End', 5, 3)).toBe(4);
    expect(moveCursor(2, 'x', 5, 3)).toBeNull();
    expect(moveCursor(-1, 'j', 0, 3)).toBeNull();
  });
});

describe('polygon editor geometry', () => {
  const size = { width: 800, height: 450 };

  it('normalises clicks to 0–1 of the picture, clamped, 4 decimals', () => {
    expect(normalise(400, 225, size)).toEqual([0.5, 0.5]);
    expect(normalise(-5, 900, size)).toEqual([0, 1]);
    expect(normalise(123.456, 7, size)).toEqual([0.1543, 0.0156]);
    fc.assert(
      fc.property(fc.double({ min: -1e4, max: 1e4, noNaN: true }), fc.double({ min: -1e4, max: 1e4, noNaN: true }), (x, y) => {
        const [nx, ny] = normalise(x, y, size);
        return nx >= 0 && nx <= 1 && ny >= 0 && ny <= 1;
      }),
    );
  });

  it('finds the handle under the pointer in pixels, nearest first', () => {
    const pts: Point[] = [
      [0.1, 0.1],
      [0.11, 0.1],
      [0.5, 0.5],
    ];
    expect(nearestPoint(pts, 80, 45, size)).toBe(0);
    expect(nearestPoint(pts, 88, 45, size)).toBe(1);
    expect(nearestPoint(pts, 406, 232, size)).toBe(2);
    expect(nearestPoint(pts, 600, 100, size)).toBe(-1);
  });

  it('knows inside from outside and refuses degenerate polygons', () => {
    const square: Point[] = [
      [0.2, 0.2],
      [0.6, 0.2],
      [0.6, 0.6],
      [0.2, 0.6],
    ];
    expect(containsPoint(square, [0.4, 0.4])).toBe(true);
    expect(containsPoint(square, [0.7, 0.4])).toBe(false);
    expect(area(square)).toBeCloseTo(0.16, 6);
    expect(closeProblem(square)).toBeNull();
    expect(closeProblem(square.slice(0, 2))).toMatch(/at least 3/);
    expect(closeProblem([[0.1, 0.1], [0.2, 0.2], [0.3, 0.3]])).toMatch(/line/);
    // What the editor closes, the contract accepts.
    expect(Polygon.safeParse(square).success).toBe(true);
  });

  it('makes zone ids the API accepts from any name, unique', () => {
    expect(slugFor('Driveway', [])).toBe('driveway');
    expect(slugFor('Front Door (left)', [])).toBe('front-door-left');
    expect(slugFor('Café Terrasse', [])).toBe('cafe-terrasse');
    expect(slugFor('Driveway', ['driveway', 'driveway-2'])).toBe('driveway-3');
    expect(slugFor('!!!', [])).toBe('zone');
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), fc.array(fc.string(), { maxLength: 3 }), (name, taken) => {
        const id = slugFor(name, taken);
        return ZoneId.safeParse(id).success && !taken.includes(id) && id.length <= 40;
      }),
    );
    const zone = { id: slugFor('Zone 1', []), name: 'Zone 1', polygon: [[0, 0], [1, 0], [1, 1]] };
    expect(DetectionZone.safeParse(zone).success).toBe(true);
    expect(nextName('Zone', ['Zone 1', 'Zone 3'])).toBe('Zone 2');
  });

  it('toggles labels keeping the display order', () => {
    expect(toggleLabel(['dog', 'person'], 'car')).toEqual(['person', 'car', 'dog']);
    expect(toggleLabel(['person', 'car'], 'person')).toEqual(['car']);
  });
});
