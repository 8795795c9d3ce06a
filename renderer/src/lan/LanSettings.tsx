/**
 * LAN access, on the Settings page (admins): serve Keepwatch over HTTPS on
 * addresses of this machine so phones and laptops at home can open it. Off
 * by default. Shows the addresses to open and the certificate's SHA-256
 * fingerprint, which a person compares with what their browser shows before
 * trusting it. Nothing is relayed; no outside service is involved.
 */
import { Fragment, useState } from 'react';
import type { LanState } from '../../../preload/api.ts';
import { api } from '../api/index.ts';
import { splitApiError } from '../forms/api-errors.ts';
import { FormError, TextField } from '../forms/Field.tsx';
import { formatMoment } from '../forms/format.ts';
import { useServerValue } from '../forms/use-server-value.ts';
import { Spinner } from '../ui/components.tsx';
import { CopyButton } from '../users/CopyButton.tsx';
import { checkDraft, draftOf, sameDraft, type LanDraft } from './lan-form.ts';
import '../forms/forms.css';
import './lan.css';

export function LanSettings(): React.JSX.Element {
  const lan = useServerValue(() => api.getLan({}), 5000);
  return (
    <section className="kws-card kwn-card" aria-labelledby="kwn-title" data-testid="lan-settings">
      <div className="kws-card__head">
        <h2 id="kwn-title" className="kws-card__title">
          Access from other devices
        </h2>
        {lan.value && <LanStatus state={lan.value} />}
      </div>
      {lan.value ? (
        <LanForm state={lan.value} onSaved={() => void lan.refresh()} />
      ) : lan.error ? (
        <p className="kwf-field__error" role="alert">
          Can't read the LAN settings: {lan.error}
        </p>
      ) : (
        <Spinner label="Loading…" />
      )}
    </section>
  );
}

function LanStatus({ state }: { state: LanState }): React.JSX.Element {
  const tone = !state.enabled ? 'off' : state.problem ? 'warn' : 'on';
  return (
    <span className={`kwn-status kwn-status--${tone}`} data-testid="lan-status">
      <i aria-hidden="true" />
      {!state.enabled ? 'Off' : state.problem ? 'Needs attention' : 'Serving over HTTPS'}
    </span>
  );
}

function LanForm({ state, onSaved }: { state: LanState; onSaved: () => void }): React.JSX.Element {
  const server = draftOf(state);
  const [edited, setEdited] = useState<LanDraft | null>(null);
  const draft = edited ?? server;
  const dirty = edited !== null && !sameDraft(edited, server);
  const [tried, setTried] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const check = checkDraft(draft);
  const set = (patch: Partial<LanDraft>) => setEdited({ ...draft, ...patch });

  const save = async () => {
    setTried(true);
    if (!check.input) return;
    setBusy(true);
    setError(null);
    const r = await api.updateLan(check.input);
    setBusy(false);
    if (!r.ok) return setError(splitApiError(r.error, () => null).general ?? r.error.message);
    setEdited(null);
    setTried(false);
    onSaved();
  };

  const known = new Set(state.available.map((i) => i.address));
  const gone = draft.addresses.filter((a) => !known.has(a));
  const problems = tried ? check.problems : {};

  return (
    <div className="kwf-form">
      <p className="kws-muted kwn-intro">
        Phones and laptops on your network open Keepwatch over HTTPS and sign in with their own account. Nothing is relayed and nothing leaves your network.
      </p>
      {state.problem && (
        <div className="kws-banner kws-banner--warn" role="alert" data-testid="lan-problem">
          <div>
            <strong>LAN access is not working.</strong> {state.problem}
          </div>
        </div>
      )}
      <label className="kwf-switch">
        <input type="checkbox" role="switch" checked={draft.enabled} onChange={(e) => set({ enabled: e.target.checked })} data-testid="lan-enabled" />
        <span>Serve Keepwatch on the local network</span>
      </label>

      <fieldset className="kwn-fieldset" disabled={!draft.enabled}>
        <legend className="kwf-field__label">Addresses to serve on</legend>
        {state.available.length === 0 && gone.length === 0 ? (
          <p className="kws-muted kwn-none">This machine has no network address besides loopback right now.</p>
        ) : (
          <ul className="kwn-addresses">
            {state.available.map((i) => (
              <li key={`${i.name}-${i.address}`}>
                <label className="kwf-radio">
                  <input
                    type="checkbox"
                    checked={draft.addresses.includes(i.address)}
                    onChange={(e) => set({ addresses: e.target.checked ? [...draft.addresses, i.address] : draft.addresses.filter((a) => a !== i.address) })}
                  />
                  <span className="kwu-mono">{i.address}</span>
                  <span className="kws-muted">
                    {i.name} · {i.family}
                  </span>
                </label>
              </li>
            ))}
            {gone.map((a) => (
              <li key={a}>
                <label className="kwf-radio">
                  <input type="checkbox" checked onChange={() => set({ addresses: draft.addresses.filter((x) => x !== a) })} />
                  <span className="kwu-mono">{a}</span>
                  <span className="kwn-gone">not on this machine now</span>
                </label>
              </li>
            ))}
          </ul>
        )}
        {problems.addresses && <p className="kwf-field__error">{problems.addresses}</p>}
        <div className="kwf-grid">
          <TextField label="HTTPS port" name="httpsPort" value={draft.httpsPort} onChange={(v) => set({ httpsPort: v })} inputMode="numeric" error={problems.httpsPort} />
          <div className="kwf-field">
            <label className="kwf-radio kwn-redirect">
              <input type="checkbox" checked={draft.redirectHttp} onChange={(e) => set({ redirectHttp: e.target.checked })} />
              <span>Redirect plain HTTP from port</span>
            </label>
            <input className="kwf-input" aria-label="HTTP port" value={draft.httpPort} onChange={(e) => set({ httpPort: e.target.value })} inputMode="numeric" disabled={!draft.redirectHttp} />
            {problems.httpPort && <p className="kwf-field__error">{problems.httpPort}</p>}
          </div>
        </div>
        <TextField label="Host names" name="names" value={draft.names} onChange={(v) => set({ names: v })} placeholder="nvr.home.arpa" hint="Optional, separated by commas: names your network gives this machine. They are added to the certificate." />
      </fieldset>

      <FormError message={error} />
      <div className="kwf-actions">
        {dirty && <span className="kwf-actions__note">Not saved yet</span>}
        {dirty && (
          <button type="button" className="kwf-btn kwf-btn--ghost" onClick={() => setEdited(null)} disabled={busy}>
            Discard
          </button>
        )}
        <button type="button" className="kwf-btn kwf-btn--primary" onClick={() => void save()} disabled={busy || !dirty} data-testid="lan-save">
          {busy ? 'Saving…' : 'Save'}
        </button>
      </div>

      {state.enabled && state.urls.length > 0 && (
        <div className="kwn-block" data-testid="lan-urls">
          <p className="kwf-section-label">Open on another device</p>
          <ul className="kwn-urls">
            {state.urls.map((u) => (
              <li key={u}>
                <span className="kwu-mono">{u}</span>
                <CopyButton text={u} what={`the address ${u}`} />
              </li>
            ))}
          </ul>
        </div>
      )}

      {state.certificate && (
        <div className="kwn-block" data-testid="lan-certificate">
          <p className="kwf-section-label">Certificate</p>
          <p className="kws-muted kwn-cert-intro">
            {state.certificate.source === 'generated' ? 'Made by this Keepwatch.' : 'Your own certificate.'} The first time, your browser warns that it does not know this certificate: open its details and check that the SHA-256 fingerprint is exactly this one before you continue.
          </p>
          <div className="kw-copyable kwn-fingerprint">
            <code data-testid="lan-fingerprint">
              {/* Lines may break only between bytes; <wbr> adds no character to a copied selection. */}
              {state.certificate.fingerprint.split(':').map((byte, i) => (
                <Fragment key={i}>
                  {i > 0 && (
                    <>
                      :<wbr />
                    </>
                  )}
                  {byte}
                </Fragment>
              ))}
            </code>
            <CopyButton text={state.certificate.fingerprint} what="the certificate fingerprint" />
          </div>
          <dl className="kwn-facts">
            <div>
              <dt>Valid until</dt>
              <dd>{formatMoment(state.certificate.notAfter)}</dd>
            </div>
            <div>
              <dt>Names and addresses</dt>
              <dd className="kwu-mono">{state.certificate.subjectAltNames.join(', ') || '—'}</dd>
            </div>
          </dl>
        </div>
      )}
      <OwnCertificate supplied={state.certificate?.source === 'supplied'} onSaved={onSaved} />
    </div>
  );
}

/** Supplying one's own certificate (PEM), or going back to Keepwatch's own. */
function OwnCertificate({ supplied, onSaved }: { supplied: boolean; onSaved: () => void }): React.JSX.Element {
  const [cert, setCert] = useState('');
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const send = async (certificatePem: string | null, keyPem: string | null) => {
    setBusy(true);
    setError(null);
    const r = await api.updateLan({ certificatePem, keyPem });
    setBusy(false);
    if (!r.ok) return setError(r.error.message);
    setCert('');
    setKey('');
    onSaved();
  };
  return (
    <details className="kwn-own">
      <summary>{supplied ? 'Your own certificate is in use' : 'Use your own certificate'}</summary>
      <div className="kwf-form kwn-own__body">
        <div className="kwf-field">
          <label className="kwf-field__label" htmlFor="kwn-cert">
            Certificate (PEM, with its chain)
          </label>
          <textarea id="kwn-cert" className="kwf-input kwf-input--mono kwn-pem" value={cert} onChange={(e) => setCert(e.target.value)} placeholder="-----BEGIN CERTIFICATE-----" spellCheck={false} />
        </div>
        <div className="kwf-field">
          <label className="kwf-field__label" htmlFor="kwn-key">
            Private key (PEM)
          </label>
          <textarea id="kwn-key" className="kwf-input kwf-input--mono kwn-pem" value={key} onChange={(e) => setKey(e.target.value)} placeholder="-----BEGIN PRIVATE KEY-----" spellCheck={false} />
        </div>
        <FormError message={error} />
        <div className="kwf-actions">
          {supplied && (
            <button type="button" className="kwf-btn kwf-btn--ghost" onClick={() => void send(null, null)} disabled={busy}>
              Go back to Keepwatch's own certificate
            </button>
          )}
          <button type="button" className="kwf-btn" onClick={() => void send(cert, key)} disabled={busy || !cert.trim() || !key.trim()}>
            Use this certificate
          </button>
        </div>
      </div>
    </details>
  );
}
