/**
 * The visible window of the time axis: zooming around a point, panning, and
 * the limits (one minute to eight weeks). Pure.
 */
export interface TimeWindow {
  from: number;
  to: number;
}

export const MIN_SPAN_MS = 60_000;
export const MAX_SPAN_MS = 8 * 7 * 24 * 3600_000;

export const ZOOM_PRESETS: { label: string; ms: number }[] = [
  { label: '1 min', ms: 60_000 },
  { label: '10 min', ms: 10 * 60_000 },
  { label: '1 h', ms: 3600_000 },
  { label: '6 h', ms: 6 * 3600_000 },
  { label: '1 day', ms: 24 * 3600_000 },
  { label: '1 week', ms: 7 * 24 * 3600_000 },
  { label: '4 weeks', ms: 28 * 24 * 3600_000 },
];

export function span(w: TimeWindow): number {
  return w.to - w.from;
}

/** Zooms by `factor` (< 1 zooms in) keeping the time under `anchor` where it is. */
export function zoom(w: TimeWindow, factor: number, anchor: number): TimeWindow {
  const next = Math.min(MAX_SPAN_MS, Math.max(MIN_SPAN_MS, span(w) * factor));
  const ratio = span(w) > 0 ? (anchor - w.from) / span(w) : 0.5;
  const from = anchor - ratio * next;
  return { from: Math.round(from), to: Math.round(from + next) };
}

/** A window of `ms` centred on `at`. */
export function centred(at: number, ms: number): TimeWindow {
  const s = Math.min(MAX_SPAN_MS, Math.max(MIN_SPAN_MS, ms));
  return { from: Math.round(at - s / 2), to: Math.round(at + s / 2) };
}

export function pan(w: TimeWindow, deltaMs: number): TimeWindow {
  return { from: Math.round(w.from + deltaMs), to: Math.round(w.to + deltaMs) };
}

/** Keeps `at` visible, moving the window as little as possible (with a margin). */
export function follow(w: TimeWindow, at: number, margin = 0.05): TimeWindow {
  const s = span(w);
  if (at < w.from + s * margin) return pan(w, at - (w.from + s * margin));
  if (at > w.to - s * margin) return pan(w, at - (w.to - s * margin));
  return w;
}

export function timeToX(w: TimeWindow, t: number, width: number): number {
  return ((t - w.from) / span(w)) * width;
}

export function xToTime(w: TimeWindow, x: number, width: number): number {
  return w.from + (x / Math.max(1, width)) * span(w);
}
