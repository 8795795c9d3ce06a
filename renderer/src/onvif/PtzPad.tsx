/**
 * Pan/tilt/zoom controls for an ONVIF camera: hold an arrow (pointer or arrow
 * key) to move, release to stop; hold + or − to zoom; Home; presets (go to,
 * save the current view, remove). Every move carries a camera-side timeout,
 * so a lost "stop" cannot leave the camera turning.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { PtzInput, PtzPreset } from '../../../preload/api.ts';
import { api } from '../api/index.ts';
import { FormError } from '../forms/Field.tsx';

/** A PTZ command without the camera id (distributes over the union of actions). */
type PtzCommand = PtzInput extends infer T ? (T extends unknown ? Omit<T, 'id'> : never) : never;

type Direction = 'up' | 'down' | 'left' | 'right' | 'in' | 'out';

const VECTORS: Record<Direction, { pan?: number; tilt?: number; zoom?: number }> = {
  up: { pan: 0, tilt: 1 },
  down: { pan: 0, tilt: -1 },
  left: { pan: -1, tilt: 0 },
  right: { pan: 1, tilt: 0 },
  in: { zoom: 1 },
  out: { zoom: -1 },
};

const KEYS: Record<string, Direction> = { ArrowUp: 'up', ArrowDown: 'down', ArrowLeft: 'left', ArrowRight: 'right', '+': 'in', '=': 'in', '-': 'out' };

/** A hold lasts at most this long on the camera if our stop never arrives. */
const MOVE_TIMEOUT_S = 5;

export function PtzPad({ cameraId, onMoved }: { cameraId: number; onMoved: () => void }): React.JSX.Element {
  const [speed, setSpeed] = useState(0.5);
  const [moving, setMoving] = useState<Direction | null>(null);
  const [error, setError] = useState<string | null>(null);
  const movingRef = useRef<Direction | null>(null);

  const send = useCallback(
    async (input: PtzCommand) => {
      const r = await api.ptz({ id: cameraId, ...input } as PtzInput);
      setError(r.ok ? null : r.error.message);
      return r.ok;
    },
    [cameraId],
  );

  const start = (direction: Direction) => {
    if (movingRef.current) return;
    movingRef.current = direction;
    setMoving(direction);
    const v = VECTORS[direction];
    const scaled = { pan: v.pan === undefined ? undefined : v.pan * speed, tilt: v.tilt === undefined ? undefined : v.tilt * speed, zoom: v.zoom === undefined ? undefined : v.zoom * speed };
    void send({ action: 'move', ...scaled, timeoutSeconds: MOVE_TIMEOUT_S });
  };

  const stop = useCallback(() => {
    if (!movingRef.current) return;
    movingRef.current = null;
    setMoving(null);
    void send({ action: 'stop' }).then(onMoved);
  }, [send, onMoved]);

  // Leaving the page while holding must not leave the camera turning.
  useEffect(() => () => stop(), [stop]);

  const hold = (direction: Direction, label: string, glyph: React.ReactNode) => (
    <button
      type="button"
      className={`kwo-ptz__btn kwo-ptz__btn--${direction}${moving === direction ? ' is-active' : ''}`}
      aria-label={label}
      title={`${label} (hold)`}
      aria-pressed={moving === direction}
      onPointerDown={(e) => {
        e.currentTarget.setPointerCapture(e.pointerId);
        start(direction);
      }}
      onPointerUp={stop}
      onPointerCancel={stop}
      onLostPointerCapture={stop}
      data-testid={`ptz-${direction}`}
    >
      {glyph}
    </button>
  );

  const arrow = (rotate: number) => (
    <svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" style={{ transform: `rotate(${rotate}deg)` }}>
      <path d="M8 3.5l4.5 6h-9z" fill="currentColor" />
    </svg>
  );

  return (
    <div className="kwo-ptz">
      <div
        className="kwo-ptz__pad"
        role="group"
        aria-label="Pan and tilt: hold an arrow, or focus here and hold the arrow keys"
        tabIndex={0}
        onKeyDown={(e) => {
          const direction = KEYS[e.key];
          if (direction) {
            e.preventDefault();
            if (!e.repeat) start(direction);
          } else if (e.key === 'h' || e.key === 'H') {
            void send({ action: 'home' }).then(onMoved);
          }
        }}
        onKeyUp={(e) => {
          if (KEYS[e.key]) stop();
        }}
        onBlur={stop}
      >
        {hold('up', 'Tilt up', arrow(0))}
        {hold('left', 'Pan left', arrow(-90))}
        <button type="button" className="kwo-ptz__btn kwo-ptz__btn--home" aria-label="Home position" title="Home position (H)" onClick={() => void send({ action: 'home' }).then(onMoved)} data-testid="ptz-home">
          <svg viewBox="0 0 16 16" width="15" height="15" aria-hidden="true">
            <path d="M2.5 7.5L8 3l5.5 4.5V13h-3.5V9.5h-4V13H2.5z" fill="none" stroke="currentColor" strokeWidth="1.4" strokeLinejoin="round" />
          </svg>
        </button>
        {hold('right', 'Pan right', arrow(90))}
        {hold('down', 'Tilt down', arrow(180))}
      </div>
      <div className="kwo-ptz__side">
        <div className="kwo-ptz__zoom" role="group" aria-label="Zoom">
          {hold('out', 'Zoom out', <span aria-hidden="true">−</span>)}
          <span className="kwo-muted">Zoom</span>
          {hold('in', 'Zoom in', <span aria-hidden="true">+</span>)}
        </div>
        <label className="kwo-ptz__speed">
          <span className="kwo-muted">Speed</span>
          <input type="range" min={0.1} max={1} step={0.1} value={speed} onChange={(e) => setSpeed(Number(e.target.value))} />
          <span className="kwo-mono">{Math.round(speed * 100)}%</span>
        </label>
        <Presets cameraId={cameraId} send={send} onMoved={onMoved} />
      </div>
      <div className="kwo-ptz__error">
        <FormError message={error} />
      </div>
    </div>
  );
}

function Presets({ cameraId, send, onMoved }: {
  cameraId: number;
  send: (input: PtzCommand) => Promise<boolean>;
  onMoved: () => void;
}): React.JSX.Element {
  const [presets, setPresets] = useState<PtzPreset[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    const r = await api.listPtzPresets({ id: cameraId });
    if (r.ok) {
      setPresets(r.value);
      setLoadError(null);
    } else setLoadError(r.error.message);
  }, [cameraId]);

  useEffect(() => {
    void load();
  }, [load]);

  const run = async (input: PtzCommand, after?: () => void) => {
    setBusy(true);
    const ok = await send(input);
    setBusy(false);
    if (ok) after?.();
    await load();
  };

  return (
    <div className="kwo-presets">
      <p className="kwo-label">Presets</p>
      {loadError && <p className="kwf-field__error">{loadError}</p>}
      {presets === null && !loadError && <p className="kwo-muted">Loading…</p>}
      {presets?.length === 0 && <p className="kwo-muted">No presets saved on the camera.</p>}
      <ul className="kwo-presets__list" data-testid="ptz-presets">
        {presets?.map((p) => (
          <li key={p.token}>
            <span className="kwo-presets__name">{p.name}</span>
            <button type="button" className="kwf-btn kwf-btn--small" disabled={busy} onClick={() => void run({ action: 'preset', preset: 'goto', token: p.token }, onMoved)}>
              Go
            </button>
            <button type="button" className="kwf-btn kwf-btn--small kwf-btn--ghost kwf-btn--danger-text" disabled={busy} aria-label={`Remove preset ${p.name}`} onClick={() => void run({ action: 'preset', preset: 'remove', token: p.token })}>
              Remove
            </button>
          </li>
        ))}
      </ul>
      <form
        className="kwo-presets__save"
        onSubmit={(e) => {
          e.preventDefault();
          if (!name.trim()) return;
          void run({ action: 'preset', preset: 'set', name: name.trim() }, () => setName(''));
        }}
      >
        <input className="kwf-input" value={name} onChange={(e) => setName(e.target.value)} placeholder="Name this view" aria-label="Preset name" maxLength={64} />
        <button type="submit" className="kwf-btn kwf-btn--small" disabled={busy || !name.trim()}>
          Save view
        </button>
      </form>
    </div>
  );
}
