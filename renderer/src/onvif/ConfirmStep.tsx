/**
 * Step 3 of Find cameras: what the camera sees (a snapshot from it), who it
 * is, and which of its profiles Keepwatch records (main) and shows in the
 * grid (sub) — chosen automatically, changeable. "Add and record" adds it.
 */
import { useState } from 'react';
import type { AddedCamera, ApiError, OnvifProbe } from '../../../preload/api.ts';
import { api } from '../api/index.ts';
import { FormError, TextField } from '../forms/Field.tsx';
import { profileLabel } from './find-model.ts';
import type { Login } from './LoginStep.tsx';
import type { PickedDevice } from './ScanStep.tsx';
import { useFocusOnMount } from './use-focus-on-mount.ts';
import { ClockFactRow, DeviceFactRows } from './DeviceFacts.tsx';

export function ConfirmStep({ device, probe, login, onBack, onAdded }: {
  device: PickedDevice;
  probe: OnvifProbe;
  login: Login;
  onBack: () => void;
  onAdded: (camera: AddedCamera) => void;
}): React.JSX.Element {
  const [name, setName] = useState(device.label && device.label !== probe.xaddr ? device.label : probe.suggestedName);
  const [main, setMain] = useState(probe.mainProfile);
  const [sub, setSub] = useState<string>(probe.subProfile ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const recordable = probe.profiles.filter((p) => probe.recordableProfiles.includes(p.token));
  const form = useFocusOnMount<HTMLFormElement>();

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    const r = await api.addCamera({
      name: name.trim() || undefined,
      onvif: {
        xaddr: probe.xaddr,
        username: login.username,
        password: login.password,
        ...(/^https:/i.test(probe.xaddr) ? { acceptSelfSigned: login.acceptSelfSigned } : {}),
        ...(device.endpointRef ? { endpointRef: device.endpointRef } : {}),
        mainProfile: main,
        subProfile: sub || null,
      },
    });
    setBusy(false);
    if (r.ok) onAdded(r.value);
    else setError(r.error);
  };

  return (
    <form ref={form} className="kwf-form kwo-confirm" onSubmit={submit} noValidate aria-busy={busy}>
      <div className="kwo-confirm__top">
        <figure className="kwo-preview" data-testid="onvif-preview">
          {probe.snapshot ? (
            <img src={probe.snapshot.dataUrl} alt={`What ${probe.suggestedName} sees now`} />
          ) : (
            <div className="kwo-preview__none">
              <span>No picture</span>
              {probe.snapshotError && <small>{probe.snapshotError}</small>}
            </div>
          )}
          <figcaption className="kwo-muted">
            {probe.snapshot ? (probe.snapshot.source === 'onvif' ? 'Snapshot from the camera' : 'A frame from its video stream') : 'Preview unavailable'}
          </figcaption>
        </figure>
        <dl className="kwo-facts">
          <DeviceFactRows device={probe.device} />
          <dt>Can</dt>
          <dd className="kwo-caps">
            <span className={`kwo-tag${probe.ptz ? ' kwo-tag--ok' : ''}`}>{probe.ptz ? 'pan / tilt / zoom' : 'fixed view'}</span>
            {probe.events && <span className="kwo-tag kwo-tag--ok">motion events</span>}
          </dd>
          <ClockFactRow offsetMs={probe.clockOffsetMs} />
        </dl>
      </div>

      {probe.existingCamera && (
        <div className="kwo-note kwo-note--warn" role="status">
          This device is already added as “{probe.existingCamera.name}”.
        </div>
      )}
      {probe.warnings.map((w) => (
        <div key={w} className="kwo-note kwo-note--warn">
          {w}
        </div>
      ))}

      <div className="kwf-grid">
        <TextField className="kwf-span-2" label="Name" name="name" value={name} onChange={setName} placeholder={probe.suggestedName} />
        <ProfileSelect className="kwf-span-2" label="Record (main stream)" value={main} onChange={setMain} options={recordable} hint="The sharpest profile is chosen for you." testId="onvif-main-profile" />
        <ProfileSelect
          className="kwf-span-2"
          label="Grid and phones (sub stream)"
          value={sub}
          onChange={setSub}
          options={recordable.filter((p) => p.token !== main)}
          allowNone
          hint="A small stream keeps the live grid light."
          testId="onvif-sub-profile"
        />
      </div>

      <FormError message={error?.message ?? null} />
      <div className="kwf-actions">
        <button type="button" className="kwf-btn kwf-btn--ghost" onClick={onBack} disabled={busy}>
          Back
        </button>
        <button type="submit" className="kwf-btn kwf-btn--primary" disabled={busy || !!probe.existingCamera} data-testid="onvif-add" data-autofocus>
          {busy ? 'Adding…' : 'Add and record'}
        </button>
      </div>
    </form>
  );
}

function ProfileSelect({ className, label, value, onChange, options, allowNone, hint, testId }: {
  className?: string;
  label: string;
  value: string;
  onChange: (token: string) => void;
  options: OnvifProbe['profiles'];
  allowNone?: boolean;
  hint: string;
  testId: string;
}): React.JSX.Element {
  const id = `kwo-${testId}`;
  return (
    <div className={`kwf-field${className ? ` ${className}` : ''}`}>
      <label className="kwf-field__label" htmlFor={id}>
        {label}
      </label>
      <select id={id} className="kwf-input kwo-select" value={value} onChange={(e) => onChange(e.target.value)} data-testid={testId} aria-describedby={`${id}-hint`}>
        {allowNone && <option value="">None</option>}
        {options.map((p) => (
          <option key={p.token} value={p.token}>
            {profileLabel(p)}
          </option>
        ))}
      </select>
      <p className="kwf-field__hint" id={`${id}-hint`}>
        {hint}
      </p>
    </div>
  );
}
