/**
 * The scrub bar: a time axis in the viewer's zone and one track per camera
 * showing recorded spans, gaps and events, with one synchronised cursor.
 *
 * - Click or drag on the tracks to scrub (a thumbnail of the footage under the
 *   pointer follows it; the players jump when the button is released).
 * - Drag the axis to pan; the wheel zooms around the pointer (Shift+wheel pans).
 * Drawn on a canvas: a week of 16 cameras is a few hundred rectangles.
 */
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { CameraTimeline, TimelineThumbnail } from '../../../preload/api.ts';
import { axisTicks, formatMoment } from './time-axis.ts';
import { pan, timeToX, xToTime, zoom, type TimeWindow } from './view.ts';
import { thumbnailUrl } from './player/footage-source.ts';

export interface TimelineTracksProps {
  window: TimeWindow;
  onWindowChange: (w: TimeWindow) => void;
  cameras: CameraTimeline[];
  playhead: number;
  onSeek: (utc: number) => void;
  timeZone: string;
  /** The export range, drawn as a band. */
  selection: { from: number; to: number } | null;
  /** Shown over the tracks while the first answer is awaited. */
  loading: boolean;
}

const AXIS_H = 30;
const ROW_H = 34;
const LABEL_W = 148;

interface Hover {
  x: number;
  t: number;
  row: number;
}

function cssVar(name: string, fallback: string): string {
  if (typeof getComputedStyle === 'undefined') return fallback;
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

function nearestThumbnail(list: TimelineThumbnail[], t: number): TimelineThumbnail | null {
  let best: TimelineThumbnail | null = null;
  for (const th of list) if (!best || Math.abs(th.at - t) < Math.abs(best.at - t)) best = th;
  return best;
}

export function TimelineTracks(props: TimelineTracksProps): React.JSX.Element {
  const { window: w, onWindowChange, cameras, playhead, onSeek, timeZone, selection, loading } = props;
  const wrapRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [width, setWidth] = useState(800);
  const [hover, setHover] = useState<Hover | null>(null);
  const [scrub, setScrub] = useState<number | null>(null);
  const drag = useRef<{ kind: 'scrub' | 'pan'; startX: number; startWindow: TimeWindow; moved: boolean } | null>(null);
  const height = AXIS_H + Math.max(1, cameras.length) * ROW_H + 8;

  useLayoutEffect(() => {
    const el = wrapRef.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setWidth(Math.max(200, el.clientWidth - LABEL_W)));
    ro.observe(el);
    setWidth(Math.max(200, el.clientWidth - LABEL_W));
    return () => ro.disconnect();
  }, []);

  // Draw.
  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
    const g = canvas.getContext('2d');
    if (!g) return;
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    const colors = {
      bg: cssVar('--kw-bg', '#0d0f12'),
      panel: cssVar('--kw-panel', '#15181d'),
      panel2: cssVar('--kw-panel-2', '#1c2027'),
      border: cssVar('--kw-border', '#2a2f37'),
      text: cssVar('--kw-text', '#e6e8eb'),
      muted: cssVar('--kw-muted', '#8b929c'),
      accent: cssVar('--kw-accent', '#3b82f6'),
      warn: cssVar('--kw-warn', '#f59e0b'),
      danger: cssVar('--kw-danger', '#ef4444'),
      font: cssVar('--kw-font', 'system-ui'),
    };
    g.clearRect(0, 0, width, height);
    g.fillStyle = colors.panel;
    g.fillRect(0, 0, width, height);

    // Axis.
    const ticks = axisTicks(w.from, w.to, width, { timeZone, minSpacingPx: 96 });
    g.font = `500 11.5px ${colors.font}`;
    g.textBaseline = 'middle';
    for (const tick of ticks) {
      const x = Math.round(timeToX(w, tick.at, width)) + 0.5;
      g.strokeStyle = tick.major ? colors.muted : colors.border;
      g.globalAlpha = tick.major ? 0.6 : 1;
      g.beginPath();
      g.moveTo(x, tick.major ? 4 : AXIS_H - 8);
      g.lineTo(x, height);
      g.stroke();
      g.globalAlpha = 1;
      g.fillStyle = tick.major ? colors.text : colors.muted;
      g.fillText(tick.label, x + 4, AXIS_H / 2);
    }
    g.strokeStyle = colors.border;
    g.beginPath();
    g.moveTo(0, AXIS_H + 0.5);
    g.lineTo(width, AXIS_H + 0.5);
    g.stroke();

    // Export selection.
    if (selection) {
      const a = timeToX(w, selection.from, width);
      const b = timeToX(w, selection.to, width);
      g.fillStyle = colors.accent;
      g.globalAlpha = 0.14;
      g.fillRect(a, AXIS_H, b - a, height - AXIS_H);
      g.globalAlpha = 0.9;
      g.fillRect(a, AXIS_H, 2, height - AXIS_H);
      g.fillRect(b - 2, AXIS_H, 2, height - AXIS_H);
      g.globalAlpha = 1;
    }

    // Tracks.
    cameras.forEach((cam, i) => {
      const top = AXIS_H + i * ROW_H;
      const mid = top + ROW_H / 2;
      g.fillStyle = i % 2 ? colors.panel : colors.bg;
      g.globalAlpha = 0.55;
      g.fillRect(0, top, width, ROW_H);
      g.globalAlpha = 1;
      // Gaps: a thin dashed line (no footage).
      g.strokeStyle = colors.border;
      g.setLineDash([3, 4]);
      g.beginPath();
      g.moveTo(0, mid + 0.5);
      g.lineTo(width, mid + 0.5);
      g.stroke();
      g.setLineDash([]);
      // Spans: solid bars; at least 1 px so a short clip in a week view still shows.
      g.fillStyle = colors.accent;
      for (const s of cam.spans) {
        const a = timeToX(w, s.start, width);
        const b = timeToX(w, s.end, width);
        roundRect(g, a, mid - 7, Math.max(1.5, b - a), 14, 3);
      }
      // Events: a tick above the bar; objects (Keepwatch's detection) stand out
      // from motion, other camera events (tamper…) in red. Objects last: on top.
      for (let rank = 0; rank <= 2; rank++) {
        for (const e of cam.events) {
          if (eventRank(e.kind) !== rank) continue;
          const a = timeToX(w, e.start, width);
          const b = e.end !== null ? timeToX(w, e.end, width) : a + 2;
          const style = eventStyle(e.kind, colors);
          g.fillStyle = style.color;
          g.globalAlpha = style.alpha;
          g.fillRect(a, top + 2, Math.max(style.minWidth, b - a), style.height);
          g.globalAlpha = 1;
        }
      }
    });

    // Hover line.
    if (hover && scrub === null) {
      const x = Math.round(hover.x) + 0.5;
      g.strokeStyle = colors.muted;
      g.beginPath();
      g.moveTo(x, AXIS_H);
      g.lineTo(x, height);
      g.stroke();
    }
    // Cursor (the synced playhead, or the scrub position while dragging).
    const cursor = scrub ?? playhead;
    const cx = Math.round(timeToX(w, cursor, width)) + 0.5;
    if (cx >= -2 && cx <= width + 2) {
      g.strokeStyle = colors.danger;
      g.lineWidth = 2;
      g.beginPath();
      g.moveTo(cx, 2);
      g.lineTo(cx, height);
      g.stroke();
      g.lineWidth = 1;
      g.fillStyle = colors.danger;
      g.beginPath();
      g.moveTo(cx - 6, 0);
      g.lineTo(cx + 6, 0);
      g.lineTo(cx, 8);
      g.fill();
    }
  }, [w, width, height, cameras, hover, scrub, playhead, selection, timeZone]);

  const pointTime = useCallback(
    (clientX: number) => {
      const rect = canvasRef.current!.getBoundingClientRect();
      const x = Math.min(Math.max(0, clientX - rect.left), rect.width);
      return { x, t: xToTime(w, x, rect.width) };
    },
    [w],
  );

  const onPointerDown = (e: React.PointerEvent<HTMLCanvasElement>) => {
    if (e.button !== 0) return;
    const rect = canvasRef.current!.getBoundingClientRect();
    const onAxis = e.clientY - rect.top < AXIS_H;
    drag.current = { kind: onAxis ? 'pan' : 'scrub', startX: e.clientX, startWindow: w, moved: false };
    (e.target as Element).setPointerCapture(e.pointerId);
    if (!onAxis) setScrub(pointTime(e.clientX).t);
  };

  const onPointerMove = (e: React.PointerEvent<HTMLCanvasElement>) => {
    const { x, t } = pointTime(e.clientX);
    const rect = canvasRef.current!.getBoundingClientRect();
    const row = Math.floor((e.clientY - rect.top - AXIS_H) / ROW_H);
    setHover({ x, t, row: Math.min(Math.max(0, row), Math.max(0, cameras.length - 1)) });
    const d = drag.current;
    if (!d) return;
    if (Math.abs(e.clientX - d.startX) > 3) d.moved = true;
    if (d.kind === 'pan') {
      const msPerPx = (d.startWindow.to - d.startWindow.from) / rect.width;
      onWindowChange(pan(d.startWindow, -(e.clientX - d.startX) * msPerPx));
    } else setScrub(t);
  };

  const onPointerUp = (e: React.PointerEvent<HTMLCanvasElement>) => {
    const d = drag.current;
    drag.current = null;
    if (!d) return;
    if (d.kind === 'scrub') {
      onSeek(Math.round(pointTime(e.clientX).t));
      setScrub(null);
    }
  };

  const onWheel = useCallback(
    (e: WheelEvent) => {
      e.preventDefault();
      const { t } = pointTime(e.clientX);
      if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) {
        const rect = canvasRef.current!.getBoundingClientRect();
        const delta = (e.shiftKey ? e.deltaY : e.deltaX) * ((w.to - w.from) / rect.width);
        onWindowChange(pan(w, delta));
      } else {
        onWindowChange(zoom(w, Math.pow(1.0015, e.deltaY), t));
      }
    },
    [w, onWindowChange, pointTime],
  );

  useEffect(() => {
    const c = canvasRef.current;
    if (!c) return;
    c.addEventListener('wheel', onWheel, { passive: false });
    return () => c.removeEventListener('wheel', onWheel);
  }, [onWheel]);

  // Preview: the thumbnail nearest the pointer on the hovered camera's track.
  const previewAt = scrub ?? hover?.t ?? null;
  const previewRow = hover?.row ?? 0;
  const previewCam = cameras[previewRow];
  const inFootage = previewAt !== null && previewCam?.spans.some((s) => s.start <= previewAt && previewAt < s.end);
  const thumb = previewAt !== null && previewCam && inFootage ? nearestThumbnail(previewCam.thumbnails, previewAt) : null;
  const previewX = previewAt !== null ? timeToX(w, previewAt, width) : 0;
  const previewEvents = previewAt !== null && previewCam ? eventsNear(previewCam.events, previewAt, (w.to - w.from) / width) : [];
  // Fixed to the viewport: the track list scrolls, and the preview floats above it.
  const rect = canvasRef.current?.getBoundingClientRect();
  const previewLeft = rect ? rect.left + Math.min(Math.max(previewX - 92, 0), Math.max(0, width - 184)) : 0;
  const previewTop = rect ? Math.max(4, rect.top - 146) : 0;

  return (
    <div className="kwt-tracks" ref={wrapRef} style={{ height }} data-testid="timeline-tracks">
      <div className="kwt-tracks__labels" style={{ width: LABEL_W }}>
        <div className="kwt-tracks__axislabel" style={{ height: AXIS_H }}>
          {timeZone}
        </div>
        {cameras.map((c) => (
          <div key={c.cameraId} className="kwt-tracks__label" style={{ height: ROW_H }} title={c.name}>
            <span className={`kwt-dot${c.spans.length ? ' is-on' : ''}`} aria-hidden="true" />
            {c.name}
          </div>
        ))}
      </div>
      <div className="kwt-tracks__canvaswrap">
        <canvas
          ref={canvasRef}
          className="kwt-tracks__canvas"
          role="slider"
          aria-label="Timeline: click or drag to move the playhead"
          aria-valuemin={w.from}
          aria-valuemax={w.to}
          aria-valuenow={Math.round(playhead)}
          aria-valuetext={formatMoment(playhead, { timeZone })}
          tabIndex={-1}
          onPointerDown={onPointerDown}
          onPointerMove={onPointerMove}
          onPointerUp={onPointerUp}
          onPointerLeave={() => !drag.current && setHover(null)}
        />
        {previewAt !== null && (hover || scrub !== null) && (
          <div
            className="kwt-preview"
            style={{ left: previewLeft, top: previewTop }}
            data-testid="scrub-preview"
          >
            {thumb ? <img src={thumbnailUrl(thumb.id)} alt="" width={184} height={104} /> : <div className="kwt-preview__none">{inFootage ? '' : 'No footage'}</div>}
            <div className="kwt-preview__time">
              {formatMoment(previewAt, { timeZone })}
              {previewEvents.length > 0 && <span data-testid="preview-events"> · {previewEvents.join(', ')}</span>}
            </div>
          </div>
        )}
        {loading && <div className="kwt-tracks__loading">Loading the timeline…</div>}
      </div>
    </div>
  );
}

/** Drawing order: motion under objects. */
function eventRank(kind: string): number {
  return kind === 'motion' ? 0 : kind === 'object' ? 2 : 1;
}

function eventStyle(kind: string, colors: { warn: string; danger: string; muted: string }): { color: string; alpha: number; height: number; minWidth: number } {
  if (kind === 'object') return { color: colors.warn, alpha: 1, height: 6, minWidth: 3 };
  if (kind === 'motion') return { color: colors.warn, alpha: 0.45, height: 3, minWidth: 2 };
  return { color: colors.danger, alpha: 0.9, height: 4, minWidth: 2 };
}

/** The events of a track under the pointer (within 4 px), for the preview's caption. */
function eventsNear(events: CameraTimeline['events'], t: number, msPerPx: number): string[] {
  const slack = 4 * msPerPx;
  const kinds = new Set<string>();
  for (const e of events) if (e.start - slack <= t && t <= (e.end ?? e.start) + slack) kinds.add(e.kind);
  return [...kinds].sort((a, b) => eventRank(b) - eventRank(a));
}

function roundRect(g: CanvasRenderingContext2D, x: number, y: number, w: number, h: number, r: number): void {
  const rr = Math.min(r, w / 2, h / 2);
  g.beginPath();
  g.moveTo(x + rr, y);
  g.arcTo(x + w, y, x + w, y + h, rr);
  g.arcTo(x + w, y + h, x, y + h, rr);
  g.arcTo(x, y + h, x, y, rr);
  g.arcTo(x, y, x + w, y, rr);
  g.closePath();
  g.fill();
}
