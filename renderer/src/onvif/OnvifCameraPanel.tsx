/**
 * The ONVIF part of a camera's page: a current picture, who the device is,
 * which profiles feed the main and sub streams (changeable), the state of its
 * event subscription, and PTZ controls when the camera can move.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Camera, OnvifCameraDetails, SnapshotImage } from '../../../preload/api.ts';
import { api } from '../api/index.ts';
import { FormError } from '../forms/Field.tsx';
import { hostPort, profileLabel } from './find-model.ts';
import { PtzPad } from './PtzPad.tsx';
import './onvif.css';
import { ClockFactRow, DeviceFactRows } from './DeviceFacts.tsx';

export function OnvifCameraPanel({ camera }: { camera: Camera }): React.JSX.Element {
  const [details, setDetails] = useState<OnvifCameraDetails | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [refreshing, setRefreshing] = useState(false);

  const load = useCallback(
    async (refresh = false) => {
      setRefreshing(refresh);
      const r = await api.getOnvifCamera({ id: camera.id, ...(refresh ? { refresh: true } : {}) });
      setRefreshing(false);
      if (r.ok) {
        setDetails(r.value);
        setError(null);
      } else setError(r.error.message);
    },
    [camera.id],
  );

  useEffect(() => {
    void load();
  }, [load]);

  const snapshot = useSnapshot(camera.id);

  return (
    <div className="kwo-panel" data-testid="onvif-panel">
      <div className="kwo-panel__top">
        <figure className="kwo-preview">
          {snapshot.image ? (
            <img src={snapshot.image.dataUrl} alt={`What ${camera.name} sees`} />
          ) : (
            <div className="kwo-preview__none">
              <span>{snapshot.loading ? 'Taking a picture…' : 'No picture'}</span>
              {snapshot.error && <small>{snapshot.error}</small>}
            </div>
          )}
          <figcaption>
            <span className="kwo-muted">{snapshot.image ? `Taken ${new Date(snapshot.image.takenAt).toLocaleTimeString()}` : ''}</span>
            <button type="button" className="kwf-btn kwf-btn--small kwf-btn--ghost" onClick={snapshot.refresh} disabled={snapshot.loading}>
              Refresh picture
            </button>
          </figcaption>
        </figure>
        {details ? <DeviceFacts details={details} /> : !error && <p className="kwo-muted">Loading…</p>}
      </div>
      <FormError message={error} />
      {details && (
        <>
          <Profiles details={details} onSaved={(d) => setDetails(d)} />
          {details.ptz && (
            <section className="kwo-section" aria-label="Pan, tilt and zoom">
              <h4 className="kwo-section__title">Pan, tilt and zoom</h4>
              <PtzPad cameraId={camera.id} onMoved={snapshot.refreshSoon} />
            </section>
          )}
          <div className="kwf-actions">
            <span className="kwf-actions__note">Device information is what the camera reported when it was added.</span>
            <button type="button" className="kwf-btn kwf-btn--small" onClick={() => void load(true)} disabled={refreshing}>
              {refreshing ? 'Asking the camera…' : 'Ask the camera again'}
            </button>
          </div>
        </>
      )}
    </div>
  );
}

function DeviceFacts({ details }: { details: OnvifCameraDetails }): React.JSX.Element {
  const events = details.events;
  return (
    <dl className="kwo-facts">
      <DeviceFactRows device={details.device} />
      <dt>Address</dt>
      <dd className="kwo-mono">{hostPort(details.xaddr)}</dd>
      <dt>Events</dt>
      <dd>
        {!events.supported ? (
          <span className="kwo-muted">not offered by the camera</span>
        ) : (
          <span className={`kwo-dot kwo-dot--${events.state}`} data-testid="onvif-events-state">
            {EVENT_STATE[events.state]}
          </span>
        )}
        {events.lastError && <small className="kwo-muted kwo-block">{events.lastError}</small>}
      </dd>
      <ClockFactRow offsetMs={details.clockOffsetMs} />
    </dl>
  );
}

const EVENT_STATE = { off: 'off', connecting: 'connecting…', subscribed: 'receiving motion and tamper events', lost: 'reconnecting…' } as const;

function Profiles({ details, onSaved }: { details: OnvifCameraDetails; onSaved: (d: OnvifCameraDetails) => void }): React.JSX.Element {
  const [editing, setEditing] = useState(false);
  const [main, setMain] = useState(details.mainProfile);
  const [sub, setSub] = useState(details.subProfile ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const recordable = details.profiles.filter((p) => p.encoding === 'H264' || p.encoding === 'H265');
  const byToken = (t: string | null) => details.profiles.find((p) => p.token === t);

  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    const r = await api.setOnvifProfiles({ id: details.cameraId, mainProfile: main, subProfile: sub || null });
    setBusy(false);
    if (!r.ok) return setError(r.error.message);
    setError(null);
    setEditing(false);
    onSaved(r.value);
  };

  return (
    <section className="kwo-section" aria-label="Streams">
      <h4 className="kwo-section__title">Streams</h4>
      {!editing ? (
        <div className="kwo-streams">
          <StreamLine role="Main (recorded)" profile={byToken(details.mainProfile)} url={details.mainStreamUrl} />
          <StreamLine role="Sub (grid)" profile={byToken(details.subProfile)} url={details.subStreamUrl} />
          <button type="button" className="kwf-btn kwf-btn--small" onClick={() => setEditing(true)}>
            Change profiles
          </button>
        </div>
      ) : (
        <form className="kwo-streams-edit" onSubmit={save}>
          <label className="kwf-field">
            <span className="kwf-field__label">Main (recorded)</span>
            <select className="kwf-input kwo-select" value={main} onChange={(e) => setMain(e.target.value)}>
              {recordable.map((p) => (
                <option key={p.token} value={p.token}>
                  {profileLabel(p)}
                </option>
              ))}
            </select>
          </label>
          <label className="kwf-field">
            <span className="kwf-field__label">Sub (grid)</span>
            <select className="kwf-input kwo-select" value={sub} onChange={(e) => setSub(e.target.value)}>
              <option value="">None</option>
              {recordable
                .filter((p) => p.token !== main)
                .map((p) => (
                  <option key={p.token} value={p.token}>
                    {profileLabel(p)}
                  </option>
                ))}
            </select>
          </label>
          <FormError message={error} />
          <div className="kwf-actions">
            <span className="kwf-actions__note">Changing the main profile reconnects the recording.</span>
            <button type="button" className="kwf-btn kwf-btn--ghost" onClick={() => setEditing(false)} disabled={busy}>
              Cancel
            </button>
            <button type="submit" className="kwf-btn kwf-btn--primary" disabled={busy}>
              {busy ? 'Saving…' : 'Save'}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}

function StreamLine({ role, profile, url }: { role: string; profile: OnvifCameraDetails['profiles'][number] | undefined; url: string | null }): React.JSX.Element {
  return (
    <div className="kwo-stream">
      <span className="kwo-stream__role">{role}</span>
      {profile ? <span>{profileLabel(profile)}</span> : <span className="kwo-muted">none</span>}
      {url && <span className="kwo-mono kwo-muted kwo-stream__url">{url}</span>}
    </div>
  );
}

/** A picture of the camera, fetched on open, on request, and shortly after the camera moved. */
function useSnapshot(cameraId: number): {
  image: SnapshotImage | null;
  error: string | null;
  loading: boolean;
  refresh: () => void;
  refreshSoon: () => void;
} {
  const [image, setImage] = useState<SnapshotImage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const alive = useRef(true);

  const refresh = useCallback(() => {
    setLoading(true);
    void api.getSnapshot({ id: cameraId }).then((r) => {
      if (!alive.current) return;
      setLoading(false);
      if (r.ok) {
        setImage(r.value);
        setError(null);
      } else setError(r.error.message);
    });
  }, [cameraId]);

  const refreshSoon = useCallback(() => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(refresh, 700);
  }, [refresh]);

  useEffect(() => {
    alive.current = true;
    refresh();
    return () => {
      alive.current = false;
      if (timer.current) clearTimeout(timer.current);
    };
  }, [refresh]);

  return { image, error, loading, refresh, refreshSoon };
}
