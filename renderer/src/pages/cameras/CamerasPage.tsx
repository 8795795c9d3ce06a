/**
 * The Cameras page: every camera and its state, polled every 2 s, with add,
 * edit, enable/disable and remove. Nothing here is optimistic: after each
 * change the list is fetched again and shows what the engine reports.
 *
 * Keyboard: "a" opens Add camera; in dialogs Enter submits and Esc closes.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Camera } from '../../../../preload/api.ts';
import { api } from '../../api/index.ts';
import { Kbd } from '../../forms/Field.tsx';
import { formatCount } from '../../forms/format.ts';
import { useServerValue } from '../../forms/use-server-value.ts';
import { AddCameraDialog } from './AddCameraDialog.tsx';
import { CameraTable } from './CameraTable.tsx';
import { EditCameraDialog } from './EditCameraDialog.tsx';
import { RemoveCameraDialog } from './RemoveCameraDialog.tsx';
import { DetectionDialog } from '../../detection/DetectionDialog.tsx';
import '../../forms/forms.css';
import './cameras.css';

type Open = { kind: 'add' } | { kind: 'edit'; id: number } | { kind: 'remove'; id: number } | { kind: 'detection'; id: number } | null;
type Notice = { tone: 'ok' | 'error'; text: string } | null;

export function CamerasPage(): React.JSX.Element {
  const cameras = useServerValue(() => api.listCameras({}), 2000);
  const [open, setOpen] = useState<Open>(null);
  const [busyIds, setBusyIds] = useState<ReadonlySet<number>>(new Set());
  const notice = useNotice();

  useAddShortcut(open === null, () => setOpen({ kind: 'add' }));

  const list = cameras.value ?? [];
  const byId = (id: number) => list.find((c) => c.id === id) ?? null;
  const close = () => setOpen(null);

  const toggle = async (camera: Camera) => {
    setBusyIds((s) => new Set(s).add(camera.id));
    const r = await api.updateCamera({ id: camera.id, enabled: !camera.enabled });
    await cameras.refresh();
    setBusyIds((s) => {
      const next = new Set(s);
      next.delete(camera.id);
      return next;
    });
    if (r.ok) notice.show('ok', r.value.enabled ? `${camera.name} is enabled and connecting.` : `${camera.name} is disabled; recording stopped.`);
    else notice.show('error', `Could not ${camera.enabled ? 'disable' : 'enable'} ${camera.name}: ${r.error.message}`);
  };

  const editing = open?.kind === 'edit' ? byId(open.id) : null;
  const removing = open?.kind === 'remove' ? byId(open.id) : null;
  const detecting = open?.kind === 'detection' ? byId(open.id) : null;

  return (
    <div className="kw-page kwc-page">
      <header className="kwc-head">
        <div>
          <h1 className="kwc-title">Cameras</h1>
          <p className="kwc-summary" aria-live="polite">
            {cameras.value ? summary(list) : cameras.loading ? 'Loading…' : ''}
          </p>
        </div>
        <button type="button" className="kwf-btn kwf-btn--primary" onClick={() => setOpen({ kind: 'add' })} aria-keyshortcuts="a">
          <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
            <path d="M8 3v10M3 8h10" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" />
          </svg>
          Add camera
          <Kbd>A</Kbd>
        </button>
      </header>

      <div className="kwc-notices" aria-live="polite">
        {cameras.error && (
          <div className="kwc-banner kwc-banner--danger" role="alert">
            <strong>Can't reach Keepwatch.</strong> {cameras.error}
            {cameras.value ? ' Showing the last known state; retrying every 2 s.' : ' Retrying every 2 s.'}
          </div>
        )}
        {notice.current && <div className={`kwc-banner kwc-banner--${notice.current.tone === 'ok' ? 'ok' : 'danger'}`}>{notice.current.text}</div>}
      </div>

      {cameras.value === null ? (
        cameras.loading ? <LoadingRows /> : null
      ) : list.length === 0 ? (
        <EmptyState onAdd={() => setOpen({ kind: 'add' })} />
      ) : (
        <CameraTable
          cameras={list}
          now={Date.now()}
          busyIds={busyIds}
          actions={{
            edit: (c) => setOpen({ kind: 'edit', id: c.id }),
            toggle: (c) => void toggle(c),
            remove: (c) => setOpen({ kind: 'remove', id: c.id }),
            detection: (c) => setOpen({ kind: 'detection', id: c.id }),
          }}
        />
      )}

      {open?.kind === 'add' && (
        <AddCameraDialog
          onClose={close}
          onAdded={(c) => {
            close();
            notice.show('ok', `${c.name} added. Recording starts as soon as it connects.`);
            void cameras.refresh();
          }}
        />
      )}
      {editing && (
        <EditCameraDialog
          camera={editing}
          onClose={close}
          onSaved={(c) => {
            close();
            notice.show('ok', `${c.name} saved.`);
            void cameras.refresh();
          }}
        />
      )}
      {detecting && (
        <DetectionDialog
          camera={detecting}
          onClose={close}
          onSaved={(d) => notice.show('ok', `${detecting.name}: detection ${d.config.enabled ? 'on' : 'off'}, ${d.config.zones.length} zones and ${d.config.masks.length} masks saved.`)}
        />
      )}
      {removing && (
        <RemoveCameraDialog
          camera={removing}
          onClose={close}
          onRemoved={(c) => {
            close();
            notice.show('ok', `${c.name} removed and its footage deleted.`);
            void cameras.refresh();
          }}
        />
      )}
    </div>
  );
}

function summary(list: Camera[]): string {
  if (list.length === 0) return 'Nothing is being recorded.';
  const count = (state: Camera['status']['state']) => list.filter((c) => c.status.state === state).length;
  const parts = [formatCount(list.length, 'camera')];
  const recording = count('recording');
  parts.push(`${recording} recording`);
  for (const [state, label] of [['connecting', 'connecting'], ['offline', 'offline'], ['disabled', 'disabled']] as const) {
    const n = count(state);
    if (n) parts.push(`${n} ${label}`);
  }
  return parts.join(' · ');
}

function EmptyState({ onAdd }: { onAdd: () => void }): React.JSX.Element {
  return (
    <div className="kwc-empty">
      <svg viewBox="0 0 64 64" width="56" height="56" aria-hidden="true">
        <rect x="8" y="20" width="34" height="24" rx="4" fill="none" stroke="currentColor" strokeWidth="2.5" />
        <path d="M42 28l12-6v20l-12-6" fill="none" stroke="currentColor" strokeWidth="2.5" strokeLinejoin="round" />
        <circle cx="25" cy="32" r="5" fill="none" stroke="currentColor" strokeWidth="2.5" />
      </svg>
      <h2>No cameras yet — add one</h2>
      <p>Add a camera by its RTSP address. Keepwatch records it continuously on this machine and keeps as much as your storage settings allow.</p>
      <button type="button" className="kwf-btn kwf-btn--primary" onClick={onAdd}>
        Add camera <Kbd>A</Kbd>
      </button>
    </div>
  );
}

function LoadingRows(): React.JSX.Element {
  return (
    <div className="kwc-loading" aria-busy="true" aria-label="Loading cameras">
      {[0, 1, 2].map((i) => (
        <div key={i} className="kwc-skeleton" />
      ))}
    </div>
  );
}

/** "a" anywhere on the page (not while typing, not with modifiers, not under a dialog). */
function useAddShortcut(enabled: boolean, onAdd: () => void): void {
  const ref = useRef(onAdd);
  ref.current = onAdd;
  useEffect(() => {
    if (!enabled) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'a' && e.key !== 'A') return;
      if (e.ctrlKey || e.metaKey || e.altKey || e.repeat || e.defaultPrevented) return;
      const t = e.target as HTMLElement | null;
      if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
      if (document.querySelector('dialog[open]')) return;
      e.preventDefault();
      ref.current();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [enabled]);
}

/** A short message after an action; it fades after a few seconds. */
function useNotice(): { current: Notice; show: (tone: 'ok' | 'error', text: string) => void } {
  const [current, setCurrent] = useState<Notice>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => () => void (timer.current && clearTimeout(timer.current)), []);
  const show = useCallback((tone: 'ok' | 'error', text: string) => {
    if (timer.current) clearTimeout(timer.current);
    setCurrent({ tone, text });
    timer.current = setTimeout(() => setCurrent(null), tone === 'error' ? 10_000 : 5_000);
  }, []);
  return { current, show };
}
