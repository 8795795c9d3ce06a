/**
 * The Review page: what the cameras saw, as review items (one period of
 * activity each: an alert when an alert label entered a zone, else a
 * detection), newest first, with filters in the address (#/review?…).
 *
 * `#/review/<id>` (e.g. from a desktop notification) puts the cursor on that
 * item, listed even when the filters would hide it.
 *
 * Keyboard: J / K (or the arrows) move · Enter opens in the timeline ·
 * R or Space marks reviewed (again: unmarks) · E exports the item.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ReviewItem } from '../../../../preload/api.ts';
import { api } from '../../api/index.ts';
import { useServerValue } from '../../forms/use-server-value.ts';
import { EmptyState, Kbd, Segmented, Spinner } from '../../ui/components.tsx';
import { navigate, useHashRoute } from '../../ui/router.ts';
import { ExportDialog } from '../../timeline/ExportDialog.tsx';
import { viewerTimeZone } from '../../timeline/time-axis.ts';
import { LABELS, labelName } from '../../detection/labels.ts';
import { ReviewCard } from '../../review/ReviewCard.tsx';
import { filtersHash, mergeShown, moveCursor, parseFilters, RANGES, timelineHash, type RangeKey, type ReviewFilters } from '../../review/review-filters.ts';
import { useReview } from '../../review/use-review.ts';
import { useZoneNames } from '../../review/use-zone-names.ts';
import { useMe } from '../../users/me-context.tsx';
import '../../forms/forms.css';
import '../../timeline/timeline.css';
import '../../review/review.css';

export function ReviewPage(): React.JSX.Element {
  const route = useHashRoute();
  const filters = useMemo(() => parseFilters(route.query), [route.query.toString()]);
  const setFilters = (patch: Partial<ReviewFilters>) => navigate(filtersHash({ ...filters, ...patch }), { replace: true });
  const cameras = useServerValue(() => api.listCameras({}), 10_000);
  // Only cameras whose footage this person may play (the engine narrows the list the same way).
  const me = useMe();
  const cameraList = useMemo(() => (cameras.value ?? []).filter((c) => me.can('playback', c.id)), [cameras.value, me]);
  // Zone names (listZones: names only, readable with playback).
  const zones = useZoneNames(cameraList.map((c) => c.id));
  const review = useReview(filters);
  const timeZone = useMemo(() => viewerTimeZone(), []);
  const [notice, setNotice] = useState<{ tone: 'ok' | 'error'; text: string } | null>(null);

  // Items marked here since the filters changed stay listed (dimmed) in the
  // inbox, and so does an item opened by its address.
  const [markedHere, setMarkedHere] = useState<Map<number, ReviewItem>>(new Map());
  const filterKey = JSON.stringify(filters);
  useEffect(() => setMarkedHere(new Map()), [filterKey]);
  const items = useMemo(() => (review.items ? mergeShown(review.items, markedHere) : null), [review.items, markedHere]);

  const [cursor, setCursor] = useState(-1);
  const activeId = useRef<number | null>(null);
  const pendingFocus = useRef<number | null>(null);
  const linkedId = Number(route.rest[0]);
  useEffect(() => {
    if (!Number.isSafeInteger(linkedId) || linkedId <= 0) return;
    let alive = true;
    void api.getReviewItem({ id: linkedId }).then((r) => {
      if (!alive) return;
      if (!r.ok) return setNotice({ tone: 'error', text: `Review item ${linkedId}: ${r.error.message}` });
      pendingFocus.current = r.value.id;
      setMarkedHere((m) => new Map(m).set(r.value.id, r.value));
    });
    return () => {
      alive = false;
    };
  }, [linkedId, filterKey]);
  // The cursor follows its item when the list changes under it.
  useEffect(() => {
    if (!items) return;
    if (pendingFocus.current !== null) {
      const at = items.findIndex((i) => i.id === pendingFocus.current);
      if (at >= 0) {
        pendingFocus.current = null;
        activeId.current = items[at].id;
        requestAnimationFrame(() => focusCard(at));
      }
    }
    const at = activeId.current !== null ? items.findIndex((i) => i.id === activeId.current) : -1;
    setCursor(at >= 0 ? at : items.length ? Math.min(Math.max(cursor, 0), items.length - 1) : -1);
  }, [items]);
  useEffect(() => {
    activeId.current = items && cursor >= 0 ? (items[cursor]?.id ?? null) : null;
  }, [cursor, items]);

  const cards = useRef(new Map<number, HTMLElement>());
  const gridRef = useRef<HTMLDivElement>(null);
  const focusCard = (index: number) => {
    setCursor(index);
    const id = items?.[index]?.id;
    const el = id !== undefined ? cards.current.get(id) : undefined;
    el?.focus({ preventScroll: true });
    el?.scrollIntoView({ block: 'nearest' });
  };

  const [busy, setBusy] = useState<ReadonlySet<number>>(new Set());
  const [exporting, setExporting] = useState<ReviewItem | null>(null);

  const setReviewed = useCallback(async (item: ReviewItem, reviewed: boolean): Promise<boolean> => {
    setBusy((s) => new Set(s).add(item.id));
    const r = await api.setReviewed({ id: item.id, reviewed });
    setBusy((s) => {
      const next = new Set(s);
      next.delete(item.id);
      return next;
    });
    if (!r.ok) {
      setNotice({ tone: 'error', text: `Could not mark it: ${r.error.message}` });
      return false;
    }
    setMarkedHere((m) => new Map(m).set(r.value.id, r.value));
    return true;
  }, []);

  const [markingAll, setMarkingAll] = useState<{ done: number; total: number } | null>(null);
  const markAllShown = async () => {
    const todo = (items ?? []).filter((i) => !i.reviewed);
    if (!todo.length) return;
    setMarkingAll({ done: 0, total: todo.length });
    let done = 0;
    let failed = 0;
    // A few at a time: the list can be long and the engine is shared.
    const queue = [...todo];
    await Promise.all(
      Array.from({ length: Math.min(4, queue.length) }, async () => {
        for (let next = queue.shift(); next; next = queue.shift()) {
          if (await setReviewed(next, true)) done++;
          else failed++;
          setMarkingAll({ done: done + failed, total: todo.length });
        }
      }),
    );
    setMarkingAll(null);
    setNotice(failed ? { tone: 'error', text: `${failed} of ${todo.length} could not be marked.` } : { tone: 'ok', text: `${done} ${done === 1 ? 'item' : 'items'} marked reviewed.` });
    void review.refresh();
  };

  const open = (item: ReviewItem) => navigate(timelineHash(item));

  // Keyboard (not while typing, not under a dialog, not with modifiers).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
      const t = e.target as HTMLElement | null;
      if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
      if (document.querySelector('dialog[open]') || !items?.length) return;
      const item = cursor >= 0 ? items[cursor] : undefined;
      const columns = gridColumns(gridRef.current);
      const to = moveCursor(cursor, e.key, items.length, columns);
      if (to !== null) {
        e.preventDefault();
        focusCard(to);
        return;
      }
      if (!item) return;
      // Enter and Space on a focused button belong to the button.
      const onButton = !!t && t.tagName === 'BUTTON';
      if (e.key === 'Enter' && !onButton) {
        e.preventDefault();
        open(item);
      } else if ((e.key === 'r' || e.key === 'R' || (e.key === ' ' && !onButton)) && !e.repeat) {
        e.preventDefault();
        void setReviewed(item, !item.reviewed);
      } else if ((e.key === 'e' || e.key === 'E') && me.can('export', item.cameraId)) {
        e.preventDefault();
        setExporting(item);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [items, cursor, setReviewed, me]);

  const cameraName = (id: number) => cameraList.find((c) => c.id === id)?.name ?? `Camera ${id}`;
  const now = Date.now();
  const unreviewedShown = (items ?? []).filter((i) => !i.reviewed).length;
  const alerts = (items ?? []).filter((i) => i.severity === 'alert').length;
  const zoneOptions = zones.options(filters.camera);
  const filtered = filters.camera !== null || filters.severity || filters.label || filters.zone;

  return (
    <div className="kwr-page" data-testid="review-page">
      <header className="kwr-head">
        <div>
          <h1 className="kwr-title">Review</h1>
          <p className="kwr-summary" aria-live="polite">
            {items ? summary(items.length, alerts, unreviewedShown, filters) : review.loading ? 'Loading…' : ''}
          </p>
        </div>
        <button type="button" className="kwf-btn" onClick={() => void markAllShown()} disabled={!unreviewedShown || !!markingAll} data-testid="review-mark-all">
          {markingAll ? `Marking ${markingAll.done}/${markingAll.total}…` : `Mark all shown reviewed${unreviewedShown ? ` (${unreviewedShown})` : ''}`}
        </button>
      </header>

      <div className="kwr-filters" role="group" aria-label="Filters">
        <select className="kwf-input kwr-select" value={filters.camera ?? ''} onChange={(e) => setFilters({ camera: e.target.value ? Number(e.target.value) : null, zone: null })} aria-label="Camera">
          <option value="">All cameras</option>
          {cameraList.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </select>
        <Segmented
          label="Severity"
          value={filters.severity ?? 'all'}
          onChange={(v) => setFilters({ severity: v === 'all' ? null : v })}
          options={[
            { value: 'all', label: 'All' },
            { value: 'alert', label: 'Alerts' },
            { value: 'detection', label: 'Detections' },
          ]}
        />
        <select className="kwf-input kwr-select" value={filters.label ?? ''} onChange={(e) => setFilters({ label: (e.target.value || null) as ReviewFilters['label'] })} aria-label="Object">
          <option value="">Any object</option>
          {LABELS.map((l) => (
            <option key={l} value={l}>
              {labelName(l)}
            </option>
          ))}
        </select>
        <select className="kwf-input kwr-select" value={filters.zone ?? ''} onChange={(e) => setFilters({ zone: e.target.value || null })} aria-label="Zone" disabled={!zoneOptions.length && !filters.zone}>
          <option value="">{zoneOptions.length || filters.zone ? 'Any zone' : 'No zones drawn'}</option>
          {filters.zone && !zoneOptions.some((z) => z.id === filters.zone) && <option value={filters.zone}>{filters.zone}</option>}
          {zoneOptions.map((z) => (
            <option key={z.id} value={z.id}>
              {z.name}
            </option>
          ))}
        </select>
        <Segmented label="Time" value={filters.range} onChange={(v: RangeKey) => setFilters({ range: v })} options={RANGES.map((r) => ({ value: r.key, label: r.label }))} />
        <label className="kwr-toggle">
          <input type="checkbox" checked={filters.showReviewed} onChange={(e) => setFilters({ showReviewed: e.target.checked })} data-testid="review-show-reviewed" />
          <span>Show reviewed</span>
        </label>
      </div>

      <div className="kwr-notices" aria-live="polite">
        {review.error && items && (
          <div className="kwr-banner kwr-banner--danger" role="alert">
            <strong>Can't refresh the review list.</strong> {sentence(review.error)} Showing the last answer; retrying.
          </div>
        )}
        {notice && (
          <div className={`kwr-banner kwr-banner--${notice.tone === 'ok' ? 'ok' : 'danger'}`} onClick={() => setNotice(null)}>
            {notice.text}
          </div>
        )}
      </div>

      {items === null ? (
        review.error ? (
          <EmptyState
            title="Can't load the review list"
            testId="review-error"
            action={
              <button type="button" className="kwf-btn" onClick={() => void review.refresh()}>
                Try again
              </button>
            }
          >
            {sentence(review.error)} Retrying every few seconds.
          </EmptyState>
        ) : (
          <div className="kwr-loading">
            <Spinner label="Loading review items" />
          </div>
        )
      ) : items.length === 0 ? (
        <EmptyState
          title={filtered ? 'Nothing matches these filters' : filters.showReviewed ? 'Nothing happened' : 'All caught up'}
          testId="review-empty"
          action={
            filtered ? (
              <button type="button" className="kwf-btn" onClick={() => setFilters({ camera: null, severity: null, label: null, zone: null })}>
                Clear filters
              </button>
            ) : cameraList.length === 0 && !cameras.loading && me.isAdmin ? (
              <a className="kw-btn kw-btn--primary" href="#/cameras">
                Add a camera
              </a>
            ) : undefined
          }
        >
          {filtered
            ? `No review items in the ${rangeText(filters.range)} for these filters.`
            : filters.showReviewed
              ? `No activity in the ${rangeText(filters.range)}. Turn detection on for a camera (Cameras → Detection) to have it reviewed here.`
              : `Every item of the ${rangeText(filters.range)} is reviewed. Tick "Show reviewed" to see them again.`}
        </EmptyState>
      ) : (
        <div className="kwr-grid" ref={gridRef} role="list" aria-label="Review items">
          {items.map((item, i) => (
            <div role="listitem" key={item.id} className="kwr-grid__cell">
              <ReviewCard
                ref={(el) => {
                  if (el) cards.current.set(item.id, el);
                  else cards.current.delete(item.id);
                }}
                item={item}
                cameraName={cameraName(item.cameraId)}
                zoneName={(z) => zones.name(item.cameraId, z)}
                active={i === cursor}
                now={now}
                onFocus={() => setCursor(i)}
                onOpen={() => open(item)}
                onToggleReviewed={() => void setReviewed(item, !item.reviewed)}
                onExport={me.can('export', item.cameraId) ? () => setExporting(item) : undefined}
                busy={busy.has(item.id)}
              />
            </div>
          ))}
        </div>
      )}

      <footer className="kwr-keys" aria-label="Keyboard shortcuts">
        <Kbd>J</Kbd>
        <Kbd>K</Kbd> or arrows move · <Kbd>Enter</Kbd> open in the timeline · <Kbd>R</Kbd> / <Kbd>Space</Kbd> mark reviewed{me.canAny('export') && <> · <Kbd>E</Kbd> export</>}
      </footer>

      {exporting && (
        <ExportDialog
          cameras={[{ id: exporting.cameraId, name: cameraName(exporting.cameraId) }]}
          selected={[exporting.cameraId]}
          from={exporting.clipStart}
          to={exporting.end === null ? Math.max(exporting.clipEnd, Date.now()) : exporting.clipEnd}
          timeZone={timeZone}
          onClose={() => setExporting(null)}
        />
      )}
    </div>
  );
}

function sentence(text: string): string {
  const t = text.trim();
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

function rangeText(key: RangeKey): string {
  return { '1h': 'last hour', '24h': 'last 24 hours', '7d': 'last 7 days', '30d': 'last 30 days' }[key];
}

function summary(count: number, alerts: number, unreviewed: number, f: ReviewFilters): string {
  if (!count) return f.showReviewed ? `Nothing in the ${rangeText(f.range)}` : `Nothing to review in the ${rangeText(f.range)}`;
  const parts = [`${count} ${count === 1 ? 'item' : 'items'}`, `${alerts} ${alerts === 1 ? 'alert' : 'alerts'}`];
  if (f.showReviewed) parts.push(`${unreviewed} not reviewed`);
  return `${parts.join(' · ')} · ${rangeText(f.range)}`;
}

/** How many cards one row of the grid holds (for ↑ ↓). */
function gridColumns(grid: HTMLElement | null): number {
  const cells = grid ? Array.from(grid.children) as HTMLElement[] : [];
  if (cells.length < 2) return 1;
  const top = cells[0].offsetTop;
  const n = cells.findIndex((c) => c.offsetTop !== top);
  return n < 0 ? cells.length : n;
}
