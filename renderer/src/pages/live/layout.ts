/**
 * Grid layouts, the remembered camera order, paging and arrow-key movement.
 * Pure functions (plus two tiny localStorage helpers), unit-tested.
 */

export type LayoutId = '1' | '2x2' | '3x3' | '4x4';

export interface Layout {
  id: LayoutId;
  cols: number;
  label: string;
  /** The shortcut key. */
  key: string;
}

export const LAYOUTS: readonly Layout[] = [
  { id: '1', cols: 1, label: '1', key: '1' },
  { id: '2x2', cols: 2, label: '2×2', key: '2' },
  { id: '3x3', cols: 3, label: '3×3', key: '3' },
  { id: '4x4', cols: 4, label: '4×4', key: '4' },
];

export const layoutOf = (id: LayoutId): Layout => LAYOUTS.find((l) => l.id === id) ?? LAYOUTS[1];
export const capacity = (id: LayoutId): number => layoutOf(id).cols ** 2;

export const STORAGE_KEYS = { layout: 'kw.live.layout', order: 'kw.live.order' } as const;

/** localStorage, or anything shaped like it. */
type KeyValueStore = { getItem(key: string): string | null; setItem(key: string, value: string): void };

export function readLayout(storage: KeyValueStore | null, fallback: LayoutId = '2x2'): LayoutId {
  const v = safeGet(storage, STORAGE_KEYS.layout);
  return LAYOUTS.some((l) => l.id === v) ? (v as LayoutId) : fallback;
}

export function readOrder(storage: KeyValueStore | null): number[] {
  try {
    const parsed: unknown = JSON.parse(safeGet(storage, STORAGE_KEYS.order) ?? '[]');
    return Array.isArray(parsed) ? parsed.filter((n): n is number => Number.isSafeInteger(n) && n > 0) : [];
  } catch {
    return [];
  }
}

export function save(storage: KeyValueStore | null, key: string, value: string): void {
  try {
    storage?.setItem(key, value);
  } catch {
    // private mode or full: the layout is simply not remembered
  }
}

function safeGet(storage: KeyValueStore | null, key: string): string | null {
  try {
    return storage?.getItem(key) ?? null;
  } catch {
    return null;
  }
}

/** Camera ids in the remembered order; cameras not in it yet come last, by id. Removed cameras drop out. */
export function orderedIds(cameraIds: readonly number[], saved: readonly number[]): number[] {
  const present = new Set(cameraIds);
  const seen = new Set<number>();
  const out: number[] = [];
  for (const id of saved) {
    if (present.has(id) && !seen.has(id)) {
      out.push(id);
      seen.add(id);
    }
  }
  for (const id of [...cameraIds].sort((a, b) => a - b)) if (!seen.has(id)) out.push(id);
  return out;
}

/** Moves `id` into the place of `target` (drag and drop): the others shift by one. */
export function moveTo(order: readonly number[], id: number, target: number): number[] {
  const from = order.indexOf(id);
  const to = order.indexOf(target);
  if (from < 0 || to < 0 || from === to) return [...order];
  const out = [...order];
  out.splice(from, 1);
  out.splice(to, 0, id);
  return out;
}

export function pageCount(cameraCount: number, layout: LayoutId): number {
  return Math.max(1, Math.ceil(cameraCount / capacity(layout)));
}

export function pageOf(order: readonly number[], layout: LayoutId, page: number): number[] {
  const size = capacity(layout);
  const p = Math.min(Math.max(0, page), pageCount(order.length, layout) - 1);
  return order.slice(p * size, p * size + size);
}

/** The page that holds a given camera in a layout. */
export function pageHolding(order: readonly number[], layout: LayoutId, id: number): number {
  const i = order.indexOf(id);
  return i < 0 ? 0 : Math.floor(i / capacity(layout));
}

/** Where the focus goes from `index` on an arrow key, in a grid of `cols` columns holding `count` tiles. */
export function moveFocus(index: number, key: string, count: number, cols: number): number {
  if (count <= 0) return -1;
  const i = Math.min(Math.max(index, 0), count - 1);
  switch (key) {
    case 'ArrowLeft':
      return Math.max(0, i - 1);
    case 'ArrowRight':
      return Math.min(count - 1, i + 1);
    case 'ArrowUp':
      return i - cols >= 0 ? i - cols : i;
    case 'ArrowDown':
      return i + cols < count ? i + cols : i;
    default:
      return i;
  }
}
