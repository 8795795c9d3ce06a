/**
 * Step 2 of Find cameras: the camera's username and password, typed once.
 * "Connect" tries the device (nothing is saved yet) and moves on to the
 * preview; the camera's own explanation is shown word for word when it fails
 * (wrong password, unreachable, no video, HTTPS only).
 */
import { useState } from 'react';
import type { OnvifProbe } from '../../../preload/api.ts';
import { api } from '../api/index.ts';
import { FormError, TextField } from '../forms/Field.tsx';
import { hostPort } from './find-model.ts';
import type { PickedDevice } from './ScanStep.tsx';
import { useFocusOnMount } from './use-focus-on-mount.ts';

export interface Login {
  username: string;
  password: string;
  acceptSelfSigned: boolean;
}

export function LoginStep({ device, initial, onBack, onProbed }: {
  device: PickedDevice;
  initial: Login;
  onBack: () => void;
  onProbed: (probe: OnvifProbe, login: Login) => void;
}): React.JSX.Element {
  const [login, setLogin] = useState(initial);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const https = /^https:/i.test(device.xaddr);
  const form = useFocusOnMount<HTMLFormElement>('input[name="password"]');

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    const r = await api.probeOnvif({
      xaddr: device.xaddr,
      username: login.username,
      password: login.password,
      ...(https ? { acceptSelfSigned: login.acceptSelfSigned } : {}),
      ...(device.endpointRef ? { endpointRef: device.endpointRef } : {}),
    });
    setBusy(false);
    if (r.ok) onProbed(r.value, login);
    else setError(r.error.message);
  };

  return (
    <form ref={form} className="kwf-form kwo-login" onSubmit={submit} noValidate aria-busy={busy}>
      <div className="kwo-step-head">
        <p className="kwo-step-head__title">{device.label ?? 'Camera'}</p>
        <p className="kwo-muted kwo-mono">{hostPort(device.xaddr.includes('://') ? device.xaddr : `http://${device.xaddr}`)}</p>
      </div>
      <div className="kwf-grid">
        <TextField label="Username" name="username" value={login.username} onChange={(v) => setLogin({ ...login, username: v })} autoComplete="username" />
        <TextField
          label="Password"
          name="password"
          type="password"
          value={login.password}
          onChange={(v) => setLogin({ ...login, password: v })}
          autoComplete="current-password"
          autoFocus
        />
      </div>
      {https && (
        <label className="kwf-radio kwo-tls">
          <input type="checkbox" checked={login.acceptSelfSigned} onChange={(e) => setLogin({ ...login, acceptSelfSigned: e.target.checked })} />
          <span>Trust this camera's own (self-signed) HTTPS certificate</span>
        </label>
      )}
      <p className="kwo-muted kwo-hint">
        The login is stored encrypted on this machine and used only to talk to this camera. Keepwatch measures the camera's clock first, so a camera whose
        clock is hours off still signs in.
      </p>
      <FormError message={error} />
      <div className="kwf-actions">
        <button type="button" className="kwf-btn kwf-btn--ghost" onClick={onBack} disabled={busy}>
          Back
        </button>
        <button type="submit" className="kwf-btn kwf-btn--primary" disabled={busy} data-testid="onvif-connect">
          {busy ? 'Connecting…' : 'Connect'}
        </button>
      </div>
    </form>
  );
}
