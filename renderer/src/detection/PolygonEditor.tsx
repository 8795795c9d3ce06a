/**
 * Zones and masks drawn on the camera's picture (an SVG over it, in screen
 * pixels; the shapes are stored in 0–1 of the picture).
 *
 * - "Draw zone" / "Draw mask", then click to add points; click the first
 *   point (or press Enter, or double-click) to close the polygon.
 * - Click a shape to select it; drag its handles to move points.
 * - Keyboard: Escape cancels the polygon being drawn, Delete (or Backspace)
 *   removes the selected shape, Enter closes the polygon being drawn.
 */
import { useCallback, useEffect, useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import { closeProblem, containsPoint, labelAnchor, movePoint, nearestPoint, normalise, toPixels, MAX_POINTS, type Point, type Size } from './polygon-model.ts';

export type ShapeKind = 'zone' | 'mask';

export interface EditorShape {
  kind: ShapeKind;
  /** Index in its list (zones or masks). */
  index: number;
  name: string;
  points: Point[];
}

export interface ShapeRef {
  kind: ShapeKind;
  index: number;
}

export interface PolygonEditorProps {
  shapes: EditorShape[];
  selected: ShapeRef | null;
  onSelect: (ref: ShapeRef | null) => void;
  onAdd: (kind: ShapeKind, points: Point[]) => void;
  onMove: (ref: ShapeRef, points: Point[]) => void;
  onDelete: (ref: ShapeRef) => void;
  /** What to draw on: the picture (an <img>), or a neutral grid. */
  backdrop: ReactNode;
  /** Width / height of the picture. */
  aspect: number;
  /** Shapes can be added (false when the lists are full). */
  canAdd: { zone: boolean; mask: boolean };
}

const same = (a: ShapeRef | null, b: ShapeRef | null) => !!a && !!b && a.kind === b.kind && a.index === b.index;

export function PolygonEditor(props: PolygonEditorProps): React.JSX.Element {
  const { shapes, selected, onSelect, onAdd, onMove, onDelete, backdrop, aspect, canAdd } = props;
  const stageRef = useRef<HTMLDivElement>(null);
  const [size, setSize] = useState<Size>({ width: 640, height: 360 });
  const [drawing, setDrawing] = useState<ShapeKind | null>(null);
  const [draft, setDraft] = useState<Point[]>([]);
  const [hover, setHover] = useState<Point | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const drag = useRef<{ ref: ShapeRef; index: number; points: Point[] } | null>(null);
  const [dragPoints, setDragPoints] = useState<{ ref: ShapeRef; points: Point[] } | null>(null);

  useLayoutEffect(() => {
    const el = stageRef.current;
    if (!el) return;
    const measure = () => setSize({ width: el.clientWidth, height: el.clientHeight });
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const cancelDraft = useCallback(() => {
    setDraft([]);
    setDrawing(null);
    setHover(null);
    setProblem(null);
  }, []);

  const closeDraft = useCallback(() => {
    if (!drawing) return;
    const why = closeProblem(draft);
    if (why) return setProblem(why);
    onAdd(drawing, draft);
    cancelDraft();
  }, [drawing, draft, onAdd, cancelDraft]);

  // Escape / Delete / Enter. Captured on the window so Escape cancels the
  // polygon being drawn instead of closing the surrounding dialog.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      const typing = !!t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
      if (e.key === 'Escape' && (drawing || draft.length)) {
        e.preventDefault();
        e.stopPropagation();
        cancelDraft();
      } else if (e.key === 'Enter' && drawing && draft.length && !typing) {
        e.preventDefault();
        e.stopPropagation();
        closeDraft();
      } else if ((e.key === 'Delete' || e.key === 'Backspace') && selected && !drawing && !typing) {
        e.preventDefault();
        onDelete(selected);
      }
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [drawing, draft.length, selected, cancelDraft, closeDraft, onDelete]);

  const local = (e: React.PointerEvent | React.MouseEvent): [number, number] => {
    const r = stageRef.current!.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  };

  const onPointerDown = (e: React.PointerEvent<SVGSVGElement>) => {
    if (e.button !== 0) return;
    const [px, py] = local(e);
    const p = normalise(px, py, size);
    if (drawing) {
      e.preventDefault();
      setProblem(null);
      if (draft.length >= 3 && nearestPoint([draft[0]], px, py, size) === 0) return closeDraft();
      if (draft.length >= MAX_POINTS) return setProblem(`A polygon has at most ${MAX_POINTS} points.`);
      // A second click on the last point (a double-click) is not a new point.
      if (draft.length && nearestPoint([draft[draft.length - 1]], px, py, size, 3) === 0) return;
      setDraft((d) => [...d, p]);
      return;
    }
    // A handle of the selected shape: start dragging it.
    const current = selected ? shapes.find((s) => same(s, selected)) : undefined;
    if (current) {
      const i = nearestPoint(current.points, px, py, size);
      if (i >= 0) {
        e.preventDefault();
        (e.currentTarget as Element).setPointerCapture(e.pointerId);
        drag.current = { ref: selected!, index: i, points: current.points };
        setDragPoints({ ref: selected!, points: current.points });
        return;
      }
    }
    // Otherwise select the topmost shape under the pointer (or nothing).
    const hit = [...shapes].reverse().find((s) => containsPoint(s.points, p));
    onSelect(hit ? { kind: hit.kind, index: hit.index } : null);
  };

  const onPointerMove = (e: React.PointerEvent<SVGSVGElement>) => {
    const [px, py] = local(e);
    const p = normalise(px, py, size);
    if (drag.current) {
      const d = drag.current;
      d.points = movePoint(d.points, d.index, p);
      setDragPoints({ ref: d.ref, points: d.points });
      return;
    }
    if (drawing) setHover(p);
  };

  const onPointerUp = () => {
    const d = drag.current;
    if (!d) return;
    drag.current = null;
    setDragPoints(null);
    onMove(d.ref, d.points);
  };

  const start = (kind: ShapeKind) => {
    setDraft([]);
    setProblem(null);
    setDrawing(kind);
    onSelect(null);
  };

  const px = (p: Point) => toPixels(p, size).map((v) => v.toFixed(1)).join(',');
  const shown = shapes.map((s) => (dragPoints && same(dragPoints.ref, s) ? { ...s, points: dragPoints.points } : s));
  const selectedShape = selected ? shown.find((s) => same(s, selected)) : undefined;
  const nearFirst = drawing && hover && draft.length >= 3 && nearestPoint([draft[0]], ...toPixels(hover, size), size) === 0;

  return (
    <div className="kwd-editor">
      <div className="kwd-editor__tools" role="toolbar" aria-label="Zones and masks">
        <button type="button" className={`kwf-btn kwf-btn--small${drawing === 'zone' ? ' kwf-btn--primary' : ''}`} onClick={() => (drawing === 'zone' ? cancelDraft() : start('zone'))} disabled={!canAdd.zone && drawing !== 'zone'} aria-pressed={drawing === 'zone'} data-testid="draw-zone">
          Draw zone
        </button>
        <button type="button" className={`kwf-btn kwf-btn--small${drawing === 'mask' ? ' kwf-btn--primary' : ''}`} onClick={() => (drawing === 'mask' ? cancelDraft() : start('mask'))} disabled={!canAdd.mask && drawing !== 'mask'} aria-pressed={drawing === 'mask'} data-testid="draw-mask">
          Draw mask
        </button>
        {drawing && (
          <button type="button" className="kwf-btn kwf-btn--small" onClick={closeDraft} disabled={draft.length < 3} data-testid="close-polygon">
            Close polygon
          </button>
        )}
        {selected && !drawing && (
          <button type="button" className="kwf-btn kwf-btn--small kwf-btn--ghost kwf-btn--danger-text" onClick={() => onDelete(selected)} data-testid="delete-shape">
            Delete {selected.kind}
          </button>
        )}
        <span className="kwd-editor__hint" aria-live="polite">
          {drawing
            ? draft.length < 3
              ? `Click to add points (${draft.length} so far) · Esc cancels`
              : 'Click the first point or press Enter to close · Esc cancels'
            : selected
              ? 'Drag the handles to move points · Delete removes it'
              : 'Click a shape to select it'}
        </span>
      </div>
      <div className="kwd-stage" ref={stageRef} style={{ '--kwd-ar': String(aspect) } as React.CSSProperties} data-drawing={drawing ?? undefined}>
        <div className="kwd-stage__backdrop">{backdrop}</div>
        <svg
          className="kwd-stage__svg"
          width={size.width}
          height={size.height}
          viewBox={`0 0 ${size.width} ${size.height}`}
          onPointerDown={onPointerDown}
          onPointerMove={onPointerMove}
          onPointerUp={onPointerUp}
          onPointerLeave={() => setHover(null)}
          onDoubleClick={(e) => {
            if (drawing && draft.length >= 3) {
              e.preventDefault();
              closeDraft();
            }
          }}
          data-testid="polygon-canvas"
          role="img"
          aria-label={`Camera picture with ${shapes.filter((s) => s.kind === 'zone').length} zones and ${shapes.filter((s) => s.kind === 'mask').length} masks`}
        >
          <defs>
            <pattern id="kwd-hatch" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
              <rect width="8" height="8" fill="rgba(8,10,13,0.55)" />
              <line x1="0" y1="0" x2="0" y2="8" stroke="rgba(230,232,235,0.28)" strokeWidth="2" />
            </pattern>
          </defs>
          {shown.map((s) => {
            const isSel = same(s, selected);
            return (
              <g key={`${s.kind}-${s.index}`} className={`kwd-shape kwd-shape--${s.kind}${isSel ? ' is-selected' : ''}`} data-shape={`${s.kind}-${s.index}`}>
                <polygon points={s.points.map(px).join(' ')} />
                <ShapeLabel at={toPixels(labelAnchor(s.points), size)} text={s.name} />
              </g>
            );
          })}
          {selectedShape &&
            selectedShape.points.map((p, i) => {
              const [x, y] = toPixels(p, size);
              return <circle key={i} className="kwd-handle" cx={x} cy={y} r={5.5} />;
            })}
          {drawing && draft.length > 0 && (
            <g className={`kwd-draft kwd-draft--${drawing}`}>
              <polyline points={[...draft, ...(hover ? [hover] : [])].map(px).join(' ')} />
              {draft.map((p, i) => {
                const [x, y] = toPixels(p, size);
                return <circle key={i} className={`kwd-handle${i === 0 && nearFirst ? ' is-target' : ''}`} cx={x} cy={y} r={i === 0 ? 7 : 5} />;
              })}
            </g>
          )}
        </svg>
      </div>
      {problem && (
        <p className="kwd-editor__problem" role="alert">
          {problem}
        </p>
      )}
    </div>
  );
}

function ShapeLabel({ at, text }: { at: [number, number]; text: string }): React.JSX.Element {
  const [x, y] = at;
  const w = Math.max(28, text.length * 6.6 + 12);
  const top = Math.max(0, y - 24);
  return (
    <g className="kwd-label" pointerEvents="none">
      <rect x={x} y={top} width={w} height={19} rx={4} />
      <text x={x + 6} y={top + 13}>
        {text}
      </text>
    </g>
  );
}
