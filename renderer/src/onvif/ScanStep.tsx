/**
 * Step 1 of Find cameras: scan the network when the user presses Scan (never
 * on its own: opening the dialog sends nothing), show a progress bar while
 * answers are collected, list what answered per interface, and offer the ways
 * around a network that drops multicast: probe typed addresses or ranges, or
 * connect to an address directly.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { DiscoveredCamera, DiscoveryDefaults, DiscoveryResult } from '../../../preload/api.ts';
import { api } from '../api/index.ts';
import { FormError } from '../forms/Field.tsx';
import { useFocusOnMount } from './use-focus-on-mount.ts';
import { addressProblem, displayName, groupResults, hostPort, parseAddressList } from './find-model.ts';

export interface PickedDevice {
  xaddr: string;
  /** What the scan called it; null when typed in. */
  label: string | null;
  endpointRef?: string;
}

export interface ScanState {
  defaults: DiscoveryDefaults | null;
  selected: string[];
  addresses: string;
  result: DiscoveryResult | null;
}

export function ScanStep({ state, onState, onPick, onUseRtsp }: {
  /** Kept by the parent so Back returns to the same list. */
  state: ScanState;
  onState: (next: ScanState) => void;
  onPick: (device: PickedDevice) => void;
  onUseRtsp: () => void;
}): React.JSX.Element {
  const [scanning, setScanning] = useState<{ startedAt: number; durationMs: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [direct, setDirect] = useState('');
  const [directError, setDirectError] = useState<string | null>(null);
  const stateRef = useRef(state);
  const root = useFocusOnMount<HTMLDivElement>();
  stateRef.current = state;

  const scan = useCallback(
    async (current: ScanState) => {
      if (!current.defaults) return;
      setError(null);
      const durationMs = current.defaults.timeoutMs;
      setScanning({ startedAt: Date.now(), durationMs });
      const r = await api.discoverCameras({ interfaces: current.selected, addresses: parseAddressList(current.addresses), timeoutMs: durationMs });
      setScanning(null);
      if (r.ok) onState({ ...stateRef.current, result: r.value });
      else setError(r.error.message);
    },
    [onState],
  );

  // First visit: load the engine's defaults (which cards, which addresses). Nothing is probed yet.
  useEffect(() => {
    if (state.defaults) return;
    let alive = true;
    void (async () => {
      const r = await api.getDiscoveryDefaults({});
      if (!alive) return;
      if (!r.ok) {
        setError(r.error.message);
        return;
      }
      const next: ScanState = {
        defaults: r.value,
        selected: r.value.interfaces.filter((i) => i.selected).map((i) => i.name),
        addresses: r.value.addresses.join(', '),
        result: null,
      };
      onState(next);
    })();
    return () => {
      alive = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- once, on first visit
  }, []);

  const toggleInterface = (name: string) =>
    onState({ ...state, selected: state.selected.includes(name) ? state.selected.filter((n) => n !== name) : [...state.selected, name] });

  const connectDirect = (e: React.FormEvent) => {
    e.preventDefault();
    const problem = addressProblem(direct);
    setDirectError(problem);
    if (!problem) onPick({ xaddr: direct.trim(), label: null });
  };

  const groups = state.result ? groupResults(state.result) : [];
  const found = state.result?.devices.length ?? 0;
  const nothingToProbe = state.defaults !== null && state.selected.length === 0 && parseAddressList(state.addresses).length === 0;

  return (
    <div ref={root} className="kwo-scan">
      <form
        className="kwo-scan__controls"
        onSubmit={(e) => {
          e.preventDefault();
          if (!scanning && !nothingToProbe) void scan(state);
        }}
      >
        <div className="kwo-scan__where">
          {state.defaults && state.defaults.interfaces.length > 0 && (
            <fieldset className="kwo-ifaces">
              <legend className="kwo-label">Network cards</legend>
              {state.defaults.interfaces.map((i) => (
                <label key={i.name} className="kwo-chip-check">
                  <input type="checkbox" checked={state.selected.includes(i.name)} onChange={() => toggleInterface(i.name)} disabled={!!scanning} />
                  <span>
                    {i.name} <span className="kwo-mono kwo-muted">{i.address}</span>
                  </span>
                </label>
              ))}
            </fieldset>
          )}
          <label className="kwo-label" htmlFor="kwo-addresses">
            {state.defaults?.loopbackOnly ? 'Addresses to probe' : 'Also probe addresses or a range'}
          </label>
          <div className="kwo-scan__row">
            <input
              id="kwo-addresses"
              className="kwf-input kwf-input--mono"
              value={state.addresses}
              onChange={(e) => onState({ ...state, addresses: e.target.value })}
              placeholder="192.168.1.20, 192.168.1.30-60"
              spellCheck={false}
              autoComplete="off"
              disabled={!!scanning}
              aria-describedby={state.defaults?.loopbackOnly ? 'kwo-loopback-note' : undefined}
            />
            <button type="submit" className="kwf-btn kwf-btn--primary" disabled={!!scanning || nothingToProbe} data-testid="onvif-scan" data-autofocus>
              {scanning ? 'Scanning…' : state.result ? 'Scan again' : 'Scan'}
            </button>
          </div>
          {state.defaults?.loopbackOnly && (
            <p id="kwo-loopback-note" className="kwo-muted kwo-hint">
              Demo mode: discovery stays on this machine, and these are its simulated ONVIF cameras.
            </p>
          )}
        </div>
      </form>

      {!state.result && !scanning && (
        <p className="kwo-muted kwo-hint kwo-intro">
          {nothingToProbe
            ? 'Choose a network card or type an address to probe.'
            : `Scan sends an ONVIF discovery probe${state.selected.length ? ` on ${state.selected.join(', ')}` : ''}${
                parseAddressList(state.addresses).length ? `${state.selected.length ? ' and' : ''} to the addresses above` : ''
              } and lists every camera that answers within ${Math.round((state.defaults?.timeoutMs ?? 3000) / 1000)} s. Nothing is sent until you press it.`}
        </p>
      )}
      {scanning && <ScanProgress {...scanning} what={describeScan(state)} />}
      <FormError message={error} />

      {state.result && !scanning && (
        <div className="kwo-results" aria-live="polite" data-testid="onvif-results">
          <p className="kwo-results__summary">
            {found === 0
              ? 'No camera answered.'
              : `${found} device${found === 1 ? '' : 's'} found in ${(state.result.durationMs / 1000).toFixed(1)} s.`}
            {state.result.rejectedMessages > 0 && <span className="kwo-muted"> {state.result.rejectedMessages} malformed answer(s) ignored.</span>}
          </p>
          {groups.map((g) => (
            <section key={g.key} className="kwo-group" aria-label={`Found on ${g.title}`}>
              <h4 className="kwo-group__title">
                {g.title}
                {g.detail && <span className="kwo-muted kwo-mono">{g.detail}</span>}
              </h4>
              {g.error && <p className="kwo-group__error">Could not probe here: {g.error}</p>}
              {!g.error && g.devices.length === 0 && <p className="kwo-muted kwo-group__empty">Nothing answered here.</p>}
              <ul className="kwo-devices">
                {g.devices.map((d) => (
                  <li key={`${g.key}:${d.endpointRef}`}>
                    <DeviceRow device={d} onPick={onPick} />
                  </li>
                ))}
              </ul>
            </section>
          ))}
          {found === 0 && (
            <p className="kwo-muted kwo-hint">
              Networks with several cards, VPNs or Wi-Fi isolation often drop the multicast probe. Type the camera's address above to probe it
              directly, or connect to it below.
            </p>
          )}
        </div>
      )}

      <form className="kwo-direct" onSubmit={connectDirect} noValidate>
        <label className="kwo-label" htmlFor="kwo-direct">
          Know the camera's address? Connect directly
        </label>
        <div className="kwo-direct__row">
          <input
            id="kwo-direct"
            className="kwf-input kwf-input--mono"
            value={direct}
            onChange={(e) => {
              setDirect(e.target.value);
              setDirectError(null);
            }}
            placeholder="192.168.1.20 or http://192.168.1.20/onvif/device_service"
            spellCheck={false}
            autoComplete="off"
            aria-invalid={directError ? true : undefined}
            aria-describedby={directError ? 'kwo-direct-error' : undefined}
          />
          <button type="submit" className="kwf-btn">
            Connect
          </button>
        </div>
        {directError && (
          <p id="kwo-direct-error" className="kwf-field__error" role="alert">
            {directError}
          </p>
        )}
        <p className="kwo-muted kwo-hint">
          Not an ONVIF camera?{' '}
          <button type="button" className="kwo-link" onClick={onUseRtsp}>
            Add it by its RTSP URL
          </button>
        </p>
      </form>
    </div>
  );
}

function describeScan(state: ScanState): string {
  const parts: string[] = [];
  if (state.selected.length) parts.push(state.selected.join(', '));
  const n = parseAddressList(state.addresses).length;
  if (n) parts.push(`${n} address entr${n === 1 ? 'y' : 'ies'}`);
  return parts.join(' and ');
}

function ScanProgress({ startedAt, durationMs, what }: { startedAt: number; durationMs: number; what: string }): React.JSX.Element {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 100);
    return () => clearInterval(timer);
  }, []);
  const fraction = Math.min(1, (now - startedAt) / durationMs);
  const left = Math.max(0, Math.ceil((durationMs - (now - startedAt)) / 1000));
  return (
    <div className="kwo-progress" role="status" data-testid="onvif-scan-progress">
      <div className="kwo-progress__bar" role="progressbar" aria-label="Scanning" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(fraction * 100)}>
        <span style={{ width: `${fraction * 100}%` }} />
      </div>
      <p className="kwo-muted">
        Listening for cameras{what ? ` on ${what}` : ''}… {left > 0 ? `${left} s` : 'almost done'}
      </p>
    </div>
  );
}

function DeviceRow({ device, onPick }: { device: DiscoveredCamera; onPick: (d: PickedDevice) => void }): React.JSX.Element {
  const xaddr = device.xaddrs[0];
  const body = (
    <>
      <span className="kwo-device__icon" aria-hidden="true">
        <svg viewBox="0 0 24 24" width="20" height="20">
          <rect x="3" y="7" width="13" height="10" rx="2" fill="none" stroke="currentColor" strokeWidth="1.6" />
          <path d="M16 11l5-3v8l-5-3" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinejoin="round" />
        </svg>
      </span>
      <span className="kwo-device__main">
        <span className="kwo-device__name">{displayName(device)}</span>
        <span className="kwo-device__meta">
          {device.hardware && <span>{device.hardware}</span>}
          <span className="kwo-mono">{hostPort(xaddr)}</span>
          {device.location && <span>{device.location}</span>}
        </span>
      </span>
      <span className="kwo-device__tags">
        {device.interfaces.map((i) => (
          <span key={i} className="kwo-tag">
            {i}
          </span>
        ))}
        {device.unicast && <span className="kwo-tag">unicast</span>}
        {device.conflictingSources.length > 0 && (
          <span className="kwo-tag kwo-tag--warn" title={`Also claimed by ${device.conflictingSources.join(', ')}`}>
            identity claimed by {device.conflictingSources.length} other host{device.conflictingSources.length === 1 ? '' : 's'}
          </span>
        )}
        {device.added && <span className="kwo-tag kwo-tag--ok">Added</span>}
      </span>
    </>
  );
  if (device.added) {
    return (
      <div className="kwo-device kwo-device--added" data-testid="onvif-device" data-added="true" title="Already recording">
        {body}
      </div>
    );
  }
  return (
    <button
      type="button"
      className="kwo-device"
      data-testid="onvif-device"
      data-added="false"
      onClick={() => onPick({ xaddr, label: displayName(device), endpointRef: device.endpointRef })}
    >
      {body}
      <span className="kwo-device__go" aria-hidden="true">
        ›
      </span>
    </button>
  );
}
