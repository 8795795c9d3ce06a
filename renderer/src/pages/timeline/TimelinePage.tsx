/**
 * The Timeline page: recorded footage of several cameras on one synchronised
 * cursor. The player grid on top, the transport (play, speed, frame steps,
 * jump to a date/time, events, export) and the scrub bar below.
 *
 * Route: #/timeline?cameras=1,2&t=<UTC ms>[&span=<ms>] (t: where the cursor
 * is; the address follows the cursor, so a link reopens the same moment;
 * span: the first zoom).
 *
 * Keyboard: Space play/pause · , and . one frame back/forward · ← → 10 s
 * (Shift: 1 min) · ↑ ↓ speed · [ ] previous/next event · + − zoom ·
 * I / O mark the export range · E export.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ExportJob } from '../../../../preload/api.ts';
import { api } from '../../api/index.ts';
import { useServerValue } from '../../forms/use-server-value.ts';
import { navigate, useHashRoute } from '../../ui/router.ts';
import { EmptyState, Kbd, Spinner } from '../../ui/components.tsx';
import { PlaybackController, SPEEDS, type PlaybackSnapshot } from '../../timeline/player/playback-controller.ts';
import { ApiFootageSource } from '../../timeline/player/footage-source.ts';
import { PlayerGrid } from '../../timeline/PlayerGrid.tsx';
import { TimelineTracks } from '../../timeline/TimelineTracks.tsx';
import { ExportDialog } from '../../timeline/ExportDialog.tsx';
import { ExportsPanel } from '../../timeline/ExportsPanel.tsx';
import { useTimeline } from '../../timeline/use-timeline.ts';
import { centred, follow, span, zoom, ZOOM_PRESETS, type TimeWindow } from '../../timeline/view.ts';
import { formatMoment, fromDateTimeLocalValue, toDateTimeLocalValue, viewerTimeZone } from '../../timeline/time-axis.ts';
import { FrameBackIcon, FrameForwardIcon, NextEventIcon, PauseIcon, PlayIcon, PreviousEventIcon } from '../../timeline/icons.tsx';
import { useMe } from '../../users/me-context.tsx';
import '../../timeline/timeline.css';

const MAX_CAMERAS = 16;

function parseIds(value: string | null): number[] | null {
  if (!value) return null;
  const ids = value.split(',').map(Number).filter((n) => Number.isSafeInteger(n) && n > 0);
  return ids.length ? [...new Set(ids)].slice(0, MAX_CAMERAS) : null;
}

async function findNextFootage(cameras: number[], after: number): Promise<number | null> {
  const r = await api.findAdjacent({ cameras, at: Math.round(after), direction: 'next', what: 'footage' });
  if (!r.ok) throw new Error(r.error.message);
  return r.value.at;
}

export function TimelinePage(): React.JSX.Element {
  const route = useHashRoute();
  const cameras = useServerValue(() => api.listCameras({}), 5000);
  const timeZone = useMemo(() => viewerTimeZone(), []);
  const hashT = Number(route.query.get('t'));
  const hashCams = parseIds(route.query.get('cameras'));
  const initialT = useRef(Number.isFinite(hashT) && hashT > 0 ? hashT : null);

  // Only cameras whose recordings this person may play; export only where granted.
  const me = useMe();
  const all = useMemo(() => (cameras.value ?? []).filter((c) => me.can('playback', c.id)), [cameras.value, me]);
  const selected = useMemo(() => {
    const ids = hashCams ?? all.slice(0, MAX_CAMERAS).map((c) => c.id);
    return ids.filter((id) => all.some((c) => c.id === id));
  }, [hashCams?.join(','), all]);
  const selectedCams = useMemo(() => selected.map((id) => ({ id, name: all.find((c) => c.id === id)?.name ?? `Camera ${id}` })), [selected, all]);
  const exportable = useMemo(() => all.filter((c) => me.can('export', c.id)).map((c) => ({ id: c.id, name: c.name })), [all, me]);
  const mayExport = exportable.length > 0;

  const controller = useMemo(() => new PlaybackController(new ApiFootageSource(), findNextFootage, initialT.current ?? Date.now() - 60_000), []);
  useEffect(() => {
    controller.start();
    return () => controller.dispose();
  }, [controller]);

  const [snap, setSnap] = useState<PlaybackSnapshot>(() => controller.snapshot());
  useEffect(() => {
    let pending: PlaybackSnapshot | null = null;
    let frame = 0;
    return controller.subscribe((s) => {
      pending = s;
      if (frame) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        if (pending) setSnap(pending);
      });
    });
  }, [controller]);

  // span (ms, optional): how much the scrub bar shows at first (Review opens at 10 min).
  const [win, setWin] = useState<TimeWindow>(() => {
    const asked = Number(route.query.get('span'));
    return centred(controller.time, Number.isFinite(asked) && asked >= 60_000 && asked <= 28 * 86_400_000 ? asked : 3600_000);
  });
  const [trackWidth, setTrackWidth] = useState(900);
  const tracksBox = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = tracksBox.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setTrackWidth(el.clientWidth));
    ro.observe(el);
    return () => ro.disconnect();
  }, [selected.length > 0]);
  const timeline = useTimeline(selected, win, trackWidth);

  // The address follows the cursor (replace: no history entry per second).
  const lastHash = useRef('');
  useEffect(() => {
    if (!selected.length) return;
    const t = Math.round(snap.playhead / 1000) * 1000;
    const hash = `#/timeline?cameras=${selected.join(',')}&t=${t}`;
    if (hash === lastHash.current) return;
    const before = location.hash;
    const id = setTimeout(() => {
      // Someone else (a link, a typed address) changed the address meanwhile: theirs wins.
      if (location.hash !== before) return;
      lastHash.current = hash;
      navigate(hash, { replace: true });
    }, snap.playing ? 1000 : 150);
    return () => clearTimeout(id);
  }, [snap.playhead, snap.playing, selected.join(',')]);
  // A link or a typed address moves the cursor.
  useEffect(() => {
    if (!Number.isFinite(hashT) || hashT <= 0) return;
    if (location.hash === lastHash.current) return;
    if (Math.abs(hashT - controller.time) > 1500) {
      controller.seek(hashT);
      setWin((w) => centred(hashT, span(w)));
    }
  }, [hashT, controller]);

  // First answer: with no time asked for, start near the newest footage.
  const placed = useRef(initialT.current !== null);
  useEffect(() => {
    if (placed.current || !timeline.data) return;
    placed.current = true;
    const ph = controller.time;
    const footage = timeline.data.cameras.map((c) => c.footage).filter((f): f is { start: number; end: number } => f !== null);
    const covered = timeline.data.cameras.some((c) => c.spans.some((s) => s.start <= ph && ph < s.end));
    if (!covered && footage.length) {
      const newest = footage.reduce((a, b) => (b.end > a.end ? b : a));
      // The last 30 s of the newest footage (its last span may be shorter: then its start).
      const spans = timeline.data.cameras.flatMap((c) => c.spans).filter((s) => s.end === newest.end);
      const t = Math.max(newest.end - 30_000, spans[0]?.start ?? newest.start);
      controller.seek(t);
      setWin((w) => centred(t, span(w)));
    }
  }, [timeline.data, controller]);

  // Keep the cursor in view while playing.
  useEffect(() => {
    if (snap.playing) setWin((w) => follow(w, snap.playhead));
  }, [snap.playhead, snap.playing]);

  const seek = useCallback(
    (t: number) => {
      controller.seek(t);
      setWin((w) => follow(w, t, 0.1));
    },
    [controller],
  );

  const [selection, setSelection] = useState<{ from: number | null; to: number | null }>({ from: null, to: null });
  const exportRange = selection.from !== null && selection.to !== null && selection.from < selection.to ? { from: selection.from, to: selection.to } : null;
  const [exportOpen, setExportOpen] = useState<false | { job: ExportJob | null }>(false);
  const [panel, setPanel] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);

  const jumpEvent = useCallback(
    async (direction: 'next' | 'previous') => {
      if (!selected.length) return;
      const r = await api.findAdjacent({ cameras: selected, at: Math.round(controller.time) + (direction === 'next' ? 1 : -1), direction, what: 'event' });
      if (!r.ok) return setNotice(r.error.message);
      if (r.value.at === null) return setNotice(direction === 'next' ? 'No later event.' : 'No earlier event.');
      setNotice(null);
      seek(r.value.at);
    },
    [selected, controller, seek],
  );

  const setSpeed = useCallback((r: number) => controller.setRate(r), [controller]);
  const speedIndex = SPEEDS.indexOf(snap.rate as (typeof SPEEDS)[number]);

  // Keyboard shortcuts (not while typing in a field or a dialog is open).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const el = e.target as HTMLElement | null;
      if (el && (el.closest('input, textarea, select, [contenteditable="true"], dialog') || e.ctrlKey || e.metaKey || e.altKey)) return;
      if (exportOpen) return;
      const k = e.key;
      let handled = true;
      if (k === ' ') controller.toggle();
      else if (k === ',') controller.step(-1);
      else if (k === '.') controller.step(1);
      else if (k === 'ArrowLeft') seek(controller.time - (e.shiftKey ? 60_000 : 10_000));
      else if (k === 'ArrowRight') seek(controller.time + (e.shiftKey ? 60_000 : 10_000));
      else if (k === 'ArrowUp') setSpeed(SPEEDS[Math.min(SPEEDS.length - 1, Math.max(0, speedIndex) + 1)]);
      else if (k === 'ArrowDown') setSpeed(SPEEDS[Math.max(0, (speedIndex < 0 ? 1 : speedIndex) - 1)]);
      else if (k === '[') void jumpEvent('previous');
      else if (k === ']') void jumpEvent('next');
      else if (k === '+' || k === '=') setWin((w) => zoom(w, 0.5, controller.time));
      else if (k === '-') setWin((w) => zoom(w, 2, controller.time));
      else if ((k === 'i' || k === 'I') && mayExport) setSelection((s) => ({ ...s, from: Math.round(controller.time) }));
      else if ((k === 'o' || k === 'O') && mayExport) setSelection((s) => ({ ...s, to: Math.round(controller.time) }));
      else if ((k === 'e' || k === 'E') && mayExport) setExportOpen({ job: null });
      else handled = false;
      if (handled) e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [controller, seek, setSpeed, speedIndex, jumpEvent, exportOpen, mayExport]);

  const [jumpText, setJumpText] = useState('');
  const jump = () => {
    const t = fromDateTimeLocalValue(jumpText, timeZone);
    if (t === null) return setNotice('Enter a date and time to jump to.');
    setNotice(null);
    seek(t);
    setWin((w) => centred(t, span(w)));
  };

  const toggleCamera = (id: number) => {
    const next = selected.includes(id) ? selected.filter((x) => x !== id) : [...selected, id].slice(0, MAX_CAMERAS);
    navigate(`#/timeline?cameras=${next.join(',')}&t=${Math.round(controller.time)}`, { replace: true });
  };

  if (cameras.loading) {
    return (
      <div className="kwt-page kwt-center">
        <Spinner label="Loading cameras" />
      </div>
    );
  }
  if (!all.length) {
    return (
      <div className="kwt-page kwt-center">
        {me.isAdmin ? (
          <EmptyState title="No cameras yet" action={<a className="kw-btn kw-btn--primary" href="#/cameras">Add a camera</a>} testId="timeline-empty">
            Recordings appear here on a timeline once a camera is recording.
          </EmptyState>
        ) : (
          <EmptyState title="No recordings for you" testId="timeline-empty">
            No camera's recordings are shared with you. Ask the owner of this Keepwatch for access.
          </EmptyState>
        )}
      </div>
    );
  }

  const noFootageAnywhere = timeline.data !== null && timeline.data.cameras.every((c) => c.footage === null);
  const defaultFrom = exportRange?.from ?? Math.round(snap.playhead - 60_000);
  const defaultTo = exportRange?.to ?? Math.round(snap.playhead + 60_000);

  return (
    <div className="kwt-page" data-testid="timeline-page" data-playhead={Math.round(snap.playhead)} data-playing={snap.playing} data-rate={snap.rate} data-at-end={snap.atEnd}>
      <header className="kw-pagebar kwt-bar">
        <h1 className="kw-pagebar__title kwt-bar__title">Timeline</h1>
        <div className="kwt-chips" role="group" aria-label="Cameras shown">
          {all.map((c) => (
            <button key={c.id} type="button" className={`kwt-chip${selected.includes(c.id) ? ' is-on' : ''}`} aria-pressed={selected.includes(c.id)} onClick={() => toggleCamera(c.id)}>
              {c.name}
            </button>
          ))}
        </div>
        <span className="kwt-bar__spacer" />
        {cameras.error && <span className="kwt-bar__warn">{cameras.error}</span>}
        {mayExport && (
          <button type="button" className="kw-btn" onClick={() => setPanel((p) => !p)} aria-expanded={panel} data-testid="exports-toggle">
            Exports
          </button>
        )}
      </header>

      <div className="kwt-body">
        <section className="kwt-stage" aria-label="Playback">
          {selected.length ? (
            <PlayerGrid controller={controller} cameras={selectedCams} views={snap.cameras} />
          ) : (
            <EmptyState title="No camera selected">Choose cameras above to play their recordings.</EmptyState>
          )}
          {noFootageAnywhere && (
            <div className="kwt-stage__note" role="status">
              No recordings yet for {selected.length === 1 ? 'this camera' : 'these cameras'}. Footage appears here a minute after recording starts.
            </div>
          )}
        </section>
        {panel && mayExport && <ExportsPanel timeZone={timeZone} onOpen={(job) => setExportOpen({ job })} onClose={() => setPanel(false)} />}
      </div>

      <div className="kwt-transport" role="toolbar" aria-label="Playback controls">
        <button type="button" className="kwt-tbtn" onClick={() => void jumpEvent('previous')} title="Previous event ([)" aria-label="Previous event">
          <PreviousEventIcon />
        </button>
        <button type="button" className="kwt-tbtn" onClick={() => controller.step(-1)} title="One frame back (,)" aria-label="One frame back">
          <FrameBackIcon />
        </button>
        <button type="button" className="kwt-tbtn kwt-tbtn--play" onClick={() => controller.toggle()} title="Play/pause (Space)" aria-label={snap.playing ? 'Pause' : 'Play'} data-testid="play-toggle">
          {snap.playing ? <PauseIcon /> : <PlayIcon />}
        </button>
        <button type="button" className="kwt-tbtn" onClick={() => controller.step(1)} title="One frame forward (.)" aria-label="One frame forward">
          <FrameForwardIcon />
        </button>
        <button type="button" className="kwt-tbtn" onClick={() => void jumpEvent('next')} title="Next event (])" aria-label="Next event">
          <NextEventIcon />
        </button>
        <div className="kwt-speeds" role="radiogroup" aria-label="Speed">
          {SPEEDS.map((s) => (
            <button key={s} type="button" role="radio" aria-checked={snap.rate === s} className={snap.rate === s ? 'is-on' : ''} onClick={() => setSpeed(s)}>
              {s}×
            </button>
          ))}
        </div>
        <div className="kwt-clock" aria-live="off" data-testid="playhead-time">
          {formatMoment(snap.playhead, { timeZone, withZone: true })}
          {snap.waiting && <span className="kwt-clock__state"> · loading</span>}
          {snap.atEnd && <span className="kwt-clock__state"> · end of recordings</span>}
        </div>
        <span className="kwt-bar__spacer" />
        <form
          className="kwt-jump"
          onSubmit={(e) => {
            e.preventDefault();
            jump();
          }}
        >
          <input
            className="kwf-input kwt-jump__input"
            type="datetime-local"
            step="1"
            aria-label={`Jump to a date and time (${timeZone})`}
            value={jumpText || toDateTimeLocalValue(snap.playhead, timeZone)}
            onChange={(e) => setJumpText(e.target.value)}
            onFocus={() => setJumpText(toDateTimeLocalValue(controller.time, timeZone))}
            data-testid="jump-input"
          />
          <button type="submit" className="kw-btn">
            Go
          </button>
        </form>
      </div>
      {notice && (
        <div className="kwt-notice" role="status" onClick={() => setNotice(null)}>
          {notice}
        </div>
      )}

      <div className="kwt-zoom">
        <div className="kw-segmented" role="radiogroup" aria-label="Zoom">
          {ZOOM_PRESETS.map((p) => (
            <button key={p.label} type="button" className={Math.abs(span(win) - p.ms) < p.ms * 0.02 ? 'is-on' : ''} onClick={() => setWin(centred(controller.time, p.ms))}>
              {p.label}
            </button>
          ))}
        </div>
        <span className="kwt-zoom__hint" title="Space play/pause · , . one frame · ← → 10 s (Shift 1 min) · ↑ ↓ speed · [ ] previous/next event · + − zoom · I O mark the range · E export">
          Drag to scrub · wheel to zoom · drag the axis to pan · <Kbd>Space</Kbd> <Kbd>,</Kbd> <Kbd>.</Kbd> <Kbd>[</Kbd> <Kbd>]</Kbd>
        </span>
        {timeline.error && <span className="kwt-bar__warn" role="alert">Timeline: {timeline.error}</span>}
        <span className="kwt-bar__spacer" />
        {exportRange && (
          <span className="kwt-zoom__range">
            Range {formatMoment(exportRange.from, { timeZone })} → {formatMoment(exportRange.to, { timeZone })}
            <button type="button" className="kw-iconbtn" aria-label="Clear the range" onClick={() => setSelection({ from: null, to: null })}>
              ✕
            </button>
          </span>
        )}
        {mayExport && (
          <>
            <button type="button" className="kw-btn" onClick={() => setSelection((s) => ({ ...s, from: Math.round(controller.time) }))} title="Mark the export start at the cursor (I)">
              Mark in
            </button>
            <button type="button" className="kw-btn" onClick={() => setSelection((s) => ({ ...s, to: Math.round(controller.time) }))} title="Mark the export end at the cursor (O)">
              Mark out
            </button>
            <button type="button" className="kw-btn kw-btn--primary" onClick={() => setExportOpen({ job: null })} disabled={!selected.length} data-testid="export-open" title="Export (E)">
              Export…
            </button>
          </>
        )}
      </div>
      <div className="kwt-trackbox" ref={tracksBox}>
        <TimelineTracks
          window={win}
          onWindowChange={setWin}
          cameras={timeline.data?.cameras ?? selectedCams.map((c) => ({ cameraId: c.id, name: c.name, spans: [], gaps: [], events: [], eventsTruncated: false, thumbnails: [], footage: null }))}
          playhead={snap.playhead}
          onSeek={seek}
          timeZone={timeZone}
          selection={exportRange}
          loading={timeline.loading && !timeline.data}
        />
      </div>

      {exportOpen && mayExport && (
        <ExportDialog
          cameras={selectedCams.some((c) => me.can('export', c.id)) ? selectedCams.filter((c) => me.can('export', c.id)) : exportable}
          selected={selected.filter((id) => me.can('export', id))}
          from={defaultFrom}
          to={defaultTo}
          timeZone={timeZone}
          job={exportOpen.job}
          onClose={() => setExportOpen(false)}
        />
      )}
    </div>
  );
}
