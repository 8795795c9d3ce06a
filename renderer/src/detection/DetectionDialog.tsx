/**
 * A camera's detection settings: on/off, decode rate, motion sensitivity and
 * minimum duration, which objects to look for and which of them alert, and the
 * zones and masks drawn on the camera's picture. Nothing is saved until
 * "Save"; what the form shows afterwards is what the engine answered.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { Camera, CameraDetection, DetectionConfig, ObjectLabel } from '../../../preload/api.ts';
import { MAX_MASKS, MAX_ZONES } from '../../../preload/api.ts';
import { api } from '../api/index.ts';
import { Dialog } from '../forms/Dialog.tsx';
import { FormError } from '../forms/Field.tsx';
import { splitApiError } from '../forms/api-errors.ts';
import { PolygonEditor, type EditorShape, type ShapeKind, type ShapeRef } from './PolygonEditor.tsx';
import { nextName, slugFor, type Point } from './polygon-model.ts';
import { LABELS, labelName, toggleLabel } from './labels.ts';
import { useBackdrop } from './use-backdrop.ts';
import '../forms/forms.css';
import './detection.css';

export interface DetectionDialogProps {
  camera: Pick<Camera, 'id' | 'name'>;
  onClose: () => void;
  onSaved: (detection: CameraDetection) => void;
}

export function DetectionDialog({ camera, onClose, onSaved }: DetectionDialogProps): React.JSX.Element {
  const [loaded, setLoaded] = useState<CameraDetection | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [config, setConfig] = useState<DetectionConfig | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  const load = useCallback(async () => {
    setLoadError(null);
    const r = await api.getDetection({ id: camera.id });
    if (!r.ok) return setLoadError(r.error.message);
    setLoaded(r.value);
    setConfig(r.value.config);
  }, [camera.id]);
  useEffect(() => void load(), [load]);
  // The running state (frames, motion, objects in view) is refreshed while the
  // dialog is open; the settings being edited are left alone.
  useEffect(() => {
    const timer = setInterval(async () => {
      if (document.visibilityState === 'hidden') return;
      const r = await api.getDetection({ id: camera.id });
      if (r.ok) setLoaded((prev) => (prev ? { ...prev, runtime: r.value.runtime, objectsAvailable: r.value.objectsAvailable } : prev));
    }, 2000);
    return () => clearInterval(timer);
  }, [camera.id]);

  const save = async () => {
    if (!config) return;
    setSaving(true);
    setError(null);
    const r = await api.setDetection({ id: camera.id, ...config });
    setSaving(false);
    if (!r.ok) {
      const split = splitApiError(r.error, () => null);
      return setError(split.general ?? r.error.message);
    }
    setLoaded(r.value);
    setConfig(r.value.config);
    onSaved(r.value);
  };

  // Closing with unsaved changes asks once (a note, not a modal on a modal); closing again discards them.
  const dirty = !!loaded && !!config && JSON.stringify(loaded.config) !== JSON.stringify(config);
  const [warned, setWarned] = useState(false);
  const requestClose = () => {
    if (dirty && !warned) return setWarned(true);
    onClose();
  };

  return (
    <Dialog title={`Detection · ${camera.name}`} subtitle="Motion and objects found on this machine. Zones name areas events can require; masks hide areas from motion." onClose={requestClose} size="large">
      <div className="kwd-settings" data-testid="detection-dialog">
        {!config ? (
          loadError ? (
            <div className="kwd-loading">
              <FormError message={`Could not load the detection settings: ${loadError}`} />
              <button type="button" className="kwf-btn" onClick={() => void load()}>
                Try again
              </button>
            </div>
          ) : (
            <div className="kwd-loading" aria-busy="true">
              Loading the detection settings…
            </div>
          )
        ) : (
          <form
            className="kwd-form"
            onSubmit={(e) => {
              e.preventDefault();
              void save();
            }}
          >
            <ZonesPane cameraId={camera.id} config={config} onChange={setConfig} savedZoneIds={loaded?.config.zones.map((z) => z.id) ?? []} />
            <SettingsPane config={config} onChange={setConfig} detection={loaded} />
            <div className="kwd-form__foot">
              <FormError message={error ?? (warned && dirty ? 'You have unsaved changes: save them, or close again to discard them.' : null)} />
              <div className="kwf-actions">
                <span className="kwf-actions__note">{dirtyNote(loaded?.config ?? null, config)}</span>
                <button type="button" className="kwf-btn kwf-btn--ghost" onClick={requestClose}>
                  {warned && dirty ? 'Discard and close' : 'Close'}
                </button>
                <button type="submit" className="kwf-btn kwf-btn--primary" disabled={saving} data-testid="detection-save">
                  {saving ? 'Saving…' : 'Save'}
                </button>
              </div>
            </div>
          </form>
        )}
      </div>
    </Dialog>
  );
}

function dirtyNote(saved: DetectionConfig | null, now: DetectionConfig): string {
  if (!saved) return '';
  return JSON.stringify(saved) === JSON.stringify(now) ? 'Saved' : 'Unsaved changes';
}

// ---------------------------------------------------------------------------

function ZonesPane({ cameraId, config, onChange, savedZoneIds }: { cameraId: number; config: DetectionConfig; onChange: (c: DetectionConfig) => void; savedZoneIds: string[] }): React.JSX.Element {
  const backdrop = useBackdrop(cameraId);
  const [aspect, setAspect] = useState(16 / 9);
  const [selected, setSelected] = useState<ShapeRef | null>(null);

  const shapes = useMemo<EditorShape[]>(
    () => [
      ...config.masks.map((points, index) => ({ kind: 'mask' as const, index, name: `Mask ${index + 1}`, points: points as Point[] })),
      ...config.zones.map((z, index) => ({ kind: 'zone' as const, index, name: z.name, points: z.polygon as Point[] })),
    ],
    [config.zones, config.masks],
  );

  const add = (kind: ShapeKind, points: Point[]) => {
    if (kind === 'mask') {
      onChange({ ...config, masks: [...config.masks, points] });
      setSelected({ kind, index: config.masks.length });
    } else {
      const name = nextName('Zone', config.zones.map((z) => z.name));
      const id = slugFor(name, config.zones.map((z) => z.id));
      onChange({ ...config, zones: [...config.zones, { id, name, polygon: points }] });
      setSelected({ kind, index: config.zones.length });
    }
  };
  const move = (ref: ShapeRef, points: Point[]) => {
    if (ref.kind === 'mask') onChange({ ...config, masks: config.masks.map((m, i) => (i === ref.index ? points : m)) });
    else onChange({ ...config, zones: config.zones.map((z, i) => (i === ref.index ? { ...z, polygon: points } : z)) });
  };
  const remove = (ref: ShapeRef) => {
    if (ref.kind === 'mask') onChange({ ...config, masks: config.masks.filter((_, i) => i !== ref.index) });
    else onChange({ ...config, zones: config.zones.filter((_, i) => i !== ref.index) });
    setSelected(null);
  };
  // A new zone's id follows its name ("Driveway" → driveway); a saved zone keeps
  // its id, because its events, filters and MQTT topics already use it.
  const rename = (index: number, name: string) =>
    onChange({
      ...config,
      zones: config.zones.map((z, i) => {
        if (i !== index) return z;
        if (savedZoneIds.includes(z.id)) return { ...z, name };
        const others = config.zones.filter((_, k) => k !== index).map((o) => o.id);
        return { ...z, name, id: slugFor(name, [...others, ...savedZoneIds]) };
      }),
    });
  const setZone = (index: number, patch: Partial<DetectionConfig['zones'][number]>) =>
    onChange({ ...config, zones: config.zones.map((z, i) => (i === index ? { ...z, ...patch } : z)) });

  const picture = backdrop.src ? (
    <img
      src={backdrop.src}
      alt=""
      draggable={false}
      onLoad={(e) => {
        const img = e.currentTarget;
        if (img.naturalWidth && img.naturalHeight) setAspect(img.naturalWidth / img.naturalHeight);
      }}
      data-testid="detection-picture"
      data-source={backdrop.source ?? undefined}
    />
  ) : (
    <div className="kwd-grid" data-testid="detection-grid" />
  );

  return (
    <section className="kwd-zones" aria-label="Zones and masks">
      <PolygonEditor
        shapes={shapes}
        selected={selected}
        onSelect={setSelected}
        onAdd={add}
        onMove={move}
        onDelete={remove}
        backdrop={picture}
        aspect={aspect}
        canAdd={{ zone: config.zones.length < MAX_ZONES, mask: config.masks.length < MAX_MASKS }}
      />
      <p className="kwd-picture-note" role="status">
        {backdrop.loading
          ? 'Taking a picture…'
          : backdrop.source === 'snapshot'
            ? 'The camera’s picture just now.'
            : backdrop.source === 'recording'
              ? `No live picture (${backdrop.problem ?? 'camera unavailable'}): showing the newest recording.`
              : `No picture of this camera yet (${backdrop.problem ?? 'unavailable'}). Draw on the grid: the shapes are stored relative to the picture and will fit it.`}{' '}
        {!backdrop.loading && (
          <button type="button" className="kwd-linkbtn" onClick={backdrop.refresh}>
            {backdrop.source === 'snapshot' ? 'Take another' : 'Try again'}
          </button>
        )}
      </p>
      <ul className="kwd-shapes" aria-label="Zones and masks drawn">
        {config.zones.map((z, i) => (
          <li key={`z${i}`} className={`kwd-shapes__item${selected?.kind === 'zone' && selected.index === i ? ' is-selected' : ''}`} data-testid="zone-row">
            <button type="button" className="kwd-swatch kwd-swatch--zone" aria-label={`Select zone ${z.name}`} onClick={() => setSelected({ kind: 'zone', index: i })} />
            <input
              className="kwf-input kwd-shapes__name"
              value={z.name}
              maxLength={60}
              onChange={(e) => rename(i, e.target.value)}
              onFocus={() => setSelected({ kind: 'zone', index: i })}
              aria-label={`Name of zone ${i + 1}`}
            />
            <select
              className="kwf-input kwd-shapes__select"
              value={z.sensitivity ?? ''}
              onChange={(e) => setZone(i, { sensitivity: e.target.value ? Number(e.target.value) : undefined })}
              aria-label={`Motion sensitivity in ${z.name}`}
              title="Motion sensitivity in this zone"
            >
              <option value="">Camera sensitivity</option>
              {Array.from({ length: 10 }, (_, k) => k + 1).map((n) => (
                <option key={n} value={n}>
                  Sensitivity {n}
                </option>
              ))}
            </select>
            <button type="button" className="kwf-btn kwf-btn--small kwf-btn--ghost kwf-btn--danger-text" onClick={() => remove({ kind: 'zone', index: i })} aria-label={`Delete zone ${z.name}`}>
              Delete
            </button>
          </li>
        ))}
        {config.masks.map((_, i) => (
          <li key={`m${i}`} className={`kwd-shapes__item${selected?.kind === 'mask' && selected.index === i ? ' is-selected' : ''}`} data-testid="mask-row">
            <button type="button" className="kwd-swatch kwd-swatch--mask" aria-label={`Select mask ${i + 1}`} onClick={() => setSelected({ kind: 'mask', index: i })} />
            <span className="kwd-shapes__mask">Mask {i + 1}</span>
            <span className="kwd-shapes__hint">motion here is ignored</span>
            <button type="button" className="kwf-btn kwf-btn--small kwf-btn--ghost kwf-btn--danger-text" onClick={() => remove({ kind: 'mask', index: i })} aria-label={`Delete mask ${i + 1}`}>
              Delete
            </button>
          </li>
        ))}
        {!config.zones.length && !config.masks.length && (
          <li className="kwd-shapes__empty">No zones or masks. Without zones, an alert label anywhere in the picture makes an alert.</li>
        )}
      </ul>
    </section>
  );
}

// ---------------------------------------------------------------------------

const FPS = Array.from({ length: 15 }, (_, i) => i + 1);

function SettingsPane({ config, onChange, detection }: { config: DetectionConfig; onChange: (c: DetectionConfig) => void; detection: CameraDetection | null }): React.JSX.Element {
  const set = <K extends keyof DetectionConfig>(key: K, value: DetectionConfig[K]) => onChange({ ...config, [key]: value });
  const [minText, setMinText] = useState(String(config.minDurationMs / 1000));
  useEffect(() => setMinText(String(config.minDurationMs / 1000)), [config.minDurationMs]);
  const runtime = detection?.runtime;
  return (
    <section className="kwd-side" aria-label="Detection settings">
      <label className="kwd-switch">
        <input type="checkbox" checked={config.enabled} onChange={(e) => set('enabled', e.target.checked)} data-testid="detection-enabled" />
        <span className="kwd-switch__track" aria-hidden="true" />
        <span>
          <strong>Detection {config.enabled ? 'on' : 'off'}</strong>
          <small>Decodes the sub stream (or the main one) on this machine; recording is never slowed.</small>
        </span>
      </label>
      {runtime && (
        <p className={`kwd-runtime kwd-runtime--${runtime.state}`} data-testid="detection-runtime">
          {runtimeLine(runtime)}
        </p>
      )}

      <div className="kwd-row">
        <label className="kwf-field">
          <span className="kwf-field__label">Frames per second</span>
          <select className="kwf-input" value={config.fps} onChange={(e) => set('fps', Number(e.target.value))}>
            {FPS.map((n) => (
              <option key={n} value={n}>
                {n} fps
              </option>
            ))}
          </select>
        </label>
        <label className="kwf-field">
          <span className="kwf-field__label">Minimum motion</span>
          <div className="kwf-input-group">
            <input
              className="kwf-input"
              type="number"
              min={0}
              max={30}
              step={0.1}
              value={minText}
              onChange={(e) => {
                setMinText(e.target.value);
                const s = Number(e.target.value);
                if (e.target.value !== '' && Number.isFinite(s) && s >= 0 && s <= 30) set('minDurationMs', Math.round(s * 1000));
              }}
              aria-describedby="kwd-min-hint"
            />
            <span className="kwf-input-group__suffix" aria-hidden="true">
              s
            </span>
          </div>
        </label>
      </div>
      <p className="kwf-field__hint" id="kwd-min-hint">
        Motion shorter than this is ignored (insects, rain). 0 to 30 s.
      </p>
      <label className="kwd-check">
        <input
          type="checkbox"
          checked={config.stillDecoding === 'keyframes'}
          onChange={(e) => set('stillDecoding', e.target.checked ? 'keyframes' : 'every-frame')}
          aria-describedby="kwd-still-hint"
          data-testid="detection-still-keyframes"
        />
        <span>Save CPU while the picture is still</span>
      </label>
      <p className="kwf-field__hint" id="kwd-still-hint">
        Only keyframes are decoded until something moves (about one a second); then every frame. Off: every frame, always.
      </p>

      <label className="kwf-field">
        <span className="kwf-field__label">
          Motion sensitivity <output className="kwd-value">{config.sensitivity}</output>
        </span>
        <input className="kwd-range" type="range" min={1} max={10} step={1} value={config.sensitivity} onChange={(e) => set('sensitivity', Number(e.target.value))} />
        <span className="kwd-range__ends" aria-hidden="true">
          <span>Big changes only</span>
          <span>The slightest change</span>
        </span>
      </label>

      <label className="kwd-check">
        <input type="checkbox" checked={config.objects} onChange={(e) => set('objects', e.target.checked)} />
        <span>Look for objects on frames with motion</span>
      </label>
      {detection && !detection.objectsAvailable && <p className="kwf-field__hint">No object model is loaded on this machine: motion only.</p>}

      <LabelChips title="Objects to look for" value={config.labels} onChange={(l) => onChange({ ...config, labels: l, alertLabels: config.alertLabels.filter((a) => l.includes(a)) })} disabled={!config.objects} testId="labels" />
      <LabelChips
        title="Alert when one enters a zone"
        value={config.alertLabels}
        onChange={(l) => set('alertLabels', l)}
        disabled={!config.objects}
        only={config.labels}
        testId="alert-labels"
        hint={config.zones.length ? 'Anything else found is a detection.' : 'With no zones: anywhere in the picture.'}
      />
      <label className="kwd-check">
        <input type="checkbox" checked={config.notify} onChange={(e) => set('notify', e.target.checked)} />
        <span>Desktop notification for this camera’s alerts</span>
      </label>
    </section>
  );
}

function runtimeLine(r: CameraDetection['runtime']): string {
  if (r.state === 'off') return 'Not running.';
  if (r.state === 'error') return `Stopped: ${r.lastError ?? 'unknown error'}`;
  if (r.state === 'starting') return 'Starting: waiting for frames…';
  const objs = Object.entries(r.objects)
    .filter(([, n]) => n > 0)
    .map(([l, n]) => `${n} ${labelName(l).toLowerCase()}`)
    .join(', ');
  const dropped = r.framesDropped + r.inferencesDropped;
  const still = r.decoding === 'keyframes' ? ' · still: keyframes only' : '';
  return `Running · ${r.motion ? 'motion now' : 'no motion'}${objs ? ` · ${objs} in view` : ''}${still} · ${r.framesProcessed} frames${dropped ? ` · ${dropped} dropped (CPU busy)` : ''}`;
}

function LabelChips({ title, value, onChange, disabled, only, testId, hint }: { title: string; value: ObjectLabel[]; onChange: (l: ObjectLabel[]) => void; disabled?: boolean; only?: ObjectLabel[]; testId: string; hint?: string }): React.JSX.Element {
  const options = only ? LABELS.filter((l) => only.includes(l)) : LABELS;
  return (
    <fieldset className="kwd-chips" disabled={disabled} data-testid={testId}>
      <legend className="kwf-field__label">{title}</legend>
      <div className="kwd-chips__list">
        {options.map((l) => (
          <label key={l} className={`kwd-chip${value.includes(l) ? ' is-on' : ''}`}>
            <input type="checkbox" checked={value.includes(l)} onChange={() => onChange(toggleLabel(value, l))} />
            {labelName(l)}
          </label>
        ))}
        {!options.length && <span className="kwf-field__hint">Choose objects to look for first.</span>}
      </div>
      {hint && <p className="kwf-field__hint">{hint}</p>}
    </fieldset>
  );
}
