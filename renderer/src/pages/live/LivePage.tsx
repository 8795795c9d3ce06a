/**
 * The Live page: every camera's sub stream in a grid (1, 2×2, 3×3, 4×4,
 * paged), in a remembered drag-and-drop order; one camera's main stream when
 * maximised (double-click or Enter; Esc goes back). Route: #/live, and
 * #/live/<camera id> when maximised.
 *
 * Keyboard: 1-4 layouts · arrows move the focus (maximised: previous/next
 * camera) · Enter maximises · Esc back · F full-screen · PageUp/PageDown
 * pages · ? the list of shortcuts.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Camera, StreamKind } from '../../../../preload/api.ts';
import { api } from '../../api/index.ts';
import { useServerValue } from '../../forms/use-server-value.ts';
import { navigate, type Route } from '../../ui/router.ts';
import { EmptyState, Segmented, Spinner } from '../../ui/components.tsx';
import { BackIcon, ChevronIcon, FullscreenIcon, KeyboardIcon } from '../../ui/icons.tsx';
import { LiveTile } from './LiveTile.tsx';
import { ShortcutHelp } from './ShortcutHelp.tsx';
import { useFullscreen } from './use-fullscreen.ts';
import { useMe } from '../../users/me-context.tsx';
import {
  LAYOUTS,
  STORAGE_KEYS,
  capacity,
  layoutOf,
  moveFocus,
  moveTo,
  orderedIds,
  pageCount,
  pageHolding,
  pageOf,
  readLayout,
  readOrder,
  save,
  type LayoutId,
} from './layout.ts';
import './live.css';

const storage = (() => {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
})();

/** The grid shows sub streams (cheap to decode); a camera without one shows its main stream. */
function gridStream(camera: Camera): StreamKind {
  return camera.streams.some((s) => s.kind === 'sub') || camera.subUrl ? 'sub' : 'main';
}

export function LivePage({ route }: { route: Route }): React.JSX.Element {
  const cameras = useServerValue(() => api.listCameras({}), 2000);
  const [layout, setLayout] = useState<LayoutId>(() => readLayout(storage));
  const [savedOrder, setSavedOrder] = useState<number[]>(() => readOrder(storage));
  const [page, setPage] = useState(0);
  const [focusIndex, setFocusIndex] = useState(0);
  const [help, setHelp] = useState(false);
  const pageRef = useRef<HTMLDivElement>(null);
  const tileRefs = useRef<(HTMLDivElement | null)[]>([]);
  const fullscreen = useFullscreen(pageRef);

  // Only the cameras this person may watch live (the others are not tiles at all).
  const me = useMe();
  const list = useMemo(() => (cameras.value ?? []).filter((c) => me.can('live', c.id)), [cameras.value, me]);
  const byId = useMemo(() => new Map(list.map((c) => [c.id, c])), [list]);
  const order = useMemo(() => orderedIds(list.map((c) => c.id), savedOrder), [list, savedOrder]);
  const pages = pageCount(order.length, layout);
  const currentPage = Math.min(page, pages - 1);
  const visible = pageOf(order, layout, currentPage);
  const cols = layoutOf(layout).cols;

  const maximisedId = route.rest[0] !== undefined ? Number(route.rest[0]) : null;
  const maximised = maximisedId !== null ? (byId.get(maximisedId) ?? null) : null;

  // A maximised camera that does not exist (removed, or a stale link): back to the grid.
  useEffect(() => {
    if (maximisedId !== null && cameras.value && !maximised) navigate('#/live', { replace: true });
  }, [maximisedId, maximised, cameras.value]);

  const chooseLayout = useCallback(
    (id: LayoutId) => {
      setLayout(id);
      save(storage, STORAGE_KEYS.layout, id);
      // Keep the focused camera on screen.
      const focusedId = visible[focusIndex];
      if (focusedId !== undefined) {
        const p = pageHolding(order, id, focusedId);
        setPage(p);
        setFocusIndex(order.indexOf(focusedId) - p * capacity(id));
      } else setPage(0);
    },
    [visible, focusIndex, order],
  );

  const reorder = useCallback(
    (dragged: number, onto: number) => {
      const next = moveTo(order, dragged, onto);
      setSavedOrder(next);
      save(storage, STORAGE_KEYS.order, JSON.stringify(next));
    },
    [order],
  );

  const maximise = useCallback((id: number) => navigate(`#/live/${id}`), []);
  const backToGrid = useCallback(() => {
    if (maximisedId !== null) {
      const p = pageHolding(order, layout, maximisedId);
      setPage(p);
      setFocusIndex(Math.max(0, order.indexOf(maximisedId) - p * capacity(layout)));
    }
    navigate('#/live');
  }, [maximisedId, order, layout]);

  const focusTile = useCallback((i: number) => {
    setFocusIndex(i);
    tileRefs.current[i]?.focus();
  }, []);

  // Put the focus back on a tile when the grid returns from the maximised view.
  useEffect(() => {
    if (!maximised) tileRefs.current[focusIndex]?.focus({ preventScroll: true });
  }, [maximised === null]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (help || e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return;
      const target = e.target as HTMLElement | null;
      if (target && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName))) return;
      const layoutKey = LAYOUTS.find((l) => l.key === e.key);
      let handled = true;
      if (layoutKey) {
        if (maximised) navigate('#/live');
        chooseLayout(layoutKey.id);
      } else if (e.key === '?') setHelp(true);
      else if (e.key === 'f' || e.key === 'F') fullscreen.toggle();
      else if (e.key === 'Escape') {
        if (maximised) backToGrid();
        else if (fullscreen.active) fullscreen.toggle();
        else handled = false;
      } else if (maximised && (e.key === 'ArrowLeft' || e.key === 'ArrowRight')) {
        const i = order.indexOf(maximised.id);
        const next = order[(i + (e.key === 'ArrowRight' ? 1 : order.length - 1)) % order.length];
        if (next !== undefined) navigate(`#/live/${next}`, { replace: true });
      } else if (!maximised && e.key.startsWith('Arrow')) {
        focusTile(moveFocus(focusIndex, e.key, visible.length, cols));
      } else if (!maximised && e.key === 'Enter') {
        const id = visible[focusIndex];
        if (id !== undefined) maximise(id);
      } else if (!maximised && (e.key === 'PageDown' || e.key === 'PageUp')) {
        setPage((p) => Math.min(pages - 1, Math.max(0, p + (e.key === 'PageDown' ? 1 : -1))));
        setFocusIndex(0);
      } else handled = false;
      if (handled) e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [help, maximised, chooseLayout, fullscreen, backToGrid, order, focusTile, focusIndex, visible, cols, maximise, pages]);

  const body = (() => {
    if (cameras.loading && !cameras.value) {
      return (
        <div className="kwl-center">
          <Spinner label="Loading cameras…" />
        </div>
      );
    }
    if (!cameras.value) {
      return (
        <EmptyState title="Can't reach Keepwatch" testId="live-error">
          {cameras.error} Retrying every 2 s.
        </EmptyState>
      );
    }
    if (list.length === 0 && !me.isAdmin) {
      return (
        <EmptyState title="No live cameras for you" testId="live-empty">
          {me.canAny('playback') ? 'No camera is shared with you for live viewing. Its recordings are on the Timeline.' : 'No camera is shared with you yet. Ask the owner of this Keepwatch for access.'}
        </EmptyState>
      );
    }
    if (list.length === 0) {
      return (
        <EmptyState
          title="No cameras yet"
          testId="live-empty"
          action={
            <a className="kw-btn kw-btn--primary" href="#/cameras">
              Cameras → Add camera
            </a>
          }
        >
          Add a camera on the Cameras page and its live picture appears here.
        </EmptyState>
      );
    }
    if (maximised) {
      return (
        <div className="kwl-stage" data-testid="live-maximised">
          <div className="kwl-single">
            <LiveTile key={`max-${maximised.id}`} camera={maximised} stream="main" maximised onMaximise={backToGrid} />
          </div>
        </div>
      );
    }
    const slots = capacity(layout);
    return (
      <div className="kwl-stage">
        <div className="kwl-grid" style={{ '--cols': cols } as React.CSSProperties} data-testid="live-grid" data-layout={layout}>
          {Array.from({ length: slots }, (_, i) => {
            const id = visible[i];
            const camera = id !== undefined ? byId.get(id) : undefined;
            if (!camera) return <div key={`empty-${i}`} className="kwl-slot" aria-hidden="true" />;
            return (
              <LiveTile
                key={camera.id}
                ref={(el) => {
                  tileRefs.current[i] = el;
                }}
                camera={camera}
                stream={gridStream(camera)}
                onFocus={() => setFocusIndex(i)}
                onMaximise={() => maximise(camera.id)}
                onDropCamera={(dragged) => reorder(dragged, camera.id)}
              />
            );
          })}
        </div>
      </div>
    );
  })();

  const hasCameras = list.length > 0;
  return (
    <div className={`kwl-page${fullscreen.active ? ' is-fullscreen' : ''}`} ref={pageRef}>
      <header className="kw-pagebar kwl-bar">
        {maximised ? (
          <>
            <button type="button" className="kw-btn" onClick={backToGrid} title="Back to the grid (Esc)" data-testid="live-back">
              <BackIcon size={16} /> All cameras
            </button>
            <h1 className="kw-pagebar__title kwl-bar__title">{maximised.name}</h1>
          </>
        ) : (
          <>
            <h1 className="kw-pagebar__title kwl-bar__title">Live</h1>
            {hasCameras && <span className="kwl-bar__count">{list.length === 1 ? '1 camera' : `${list.length} cameras`}</span>}
          </>
        )}
        <div className="kwl-bar__spacer" />
        {cameras.error && cameras.value && (
          <span className="kwl-bar__warn" role="alert">
            Connection to Keepwatch lost, retrying…
          </span>
        )}
        {hasCameras && !maximised && (
          <>
            {pages > 1 && (
              <div className="kwl-pager" aria-label="Pages">
                <button type="button" className="kw-iconbtn" disabled={currentPage === 0} onClick={() => setPage(currentPage - 1)} aria-label="Previous page (PageUp)">
                  <ChevronIcon left size={18} />
                </button>
                <span data-testid="live-page">
                  {currentPage + 1} / {pages}
                </span>
                <button type="button" className="kw-iconbtn" disabled={currentPage >= pages - 1} onClick={() => setPage(currentPage + 1)} aria-label="Next page (PageDown)">
                  <ChevronIcon size={18} />
                </button>
              </div>
            )}
            <Segmented
              label="Layout"
              value={layout}
              onChange={chooseLayout}
              options={LAYOUTS.map((l) => ({ value: l.id, label: l.label, title: `${l.label} layout (${l.key})` }))}
            />
          </>
        )}
        {hasCameras && (
          <button type="button" className="kw-iconbtn" onClick={fullscreen.toggle} title={fullscreen.active ? 'Leave full-screen (F)' : 'Full-screen (F)'} aria-label="Full-screen" data-testid="live-fullscreen">
            <FullscreenIcon exit={fullscreen.active} />
          </button>
        )}
        <button type="button" className="kw-iconbtn" onClick={() => setHelp(true)} title="Keyboard shortcuts (?)" aria-label="Keyboard shortcuts">
          <KeyboardIcon />
        </button>
      </header>
      {body}
      {help && <ShortcutHelp onClose={() => setHelp(false)} />}
    </div>
  );
}
