/**
 * Every camera with what the engine says about it right now: state, streams,
 * footage kept and retention, plus the actions on it.
 */
import type { Camera, StreamInfo } from '../../../../preload/api.ts';
import { formatBytes, formatCodec, formatCount, formatDayLimit, formatResolution, formatSpanDays } from '../../forms/format.ts';
import { StateBadge, StateDetail } from './StateBadge.tsx';
import { OnvifDetailsButton } from '../../onvif/OnvifDetailsButton.tsx';

export interface CameraActions {
  edit: (camera: Camera) => void;
  toggle: (camera: Camera) => void;
  remove: (camera: Camera) => void;
  /** Detection settings: zones, masks, objects (renderer/src/detection). */
  detection: (camera: Camera) => void;
}

export function CameraTable({ cameras, now, busyIds, actions }: {
  cameras: Camera[];
  now: number;
  /** Cameras with a request in flight (their buttons wait). */
  busyIds: ReadonlySet<number>;
  actions: CameraActions;
}): React.JSX.Element {
  return (
    <div className="kwc-table-wrap">
      <table className="kwc-table">
        <thead>
          <tr>
            <th scope="col">Camera</th>
            <th scope="col">Status</th>
            <th scope="col" className="kwc-col-streams">Streams</th>
            <th scope="col">Footage</th>
            <th scope="col" className="kwc-col-retention">Retention</th>
            <th scope="col" className="kwc-col-actions">
              <span className="kwc-sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {cameras.map((c) => (
            <CameraRow key={c.id} camera={c} now={now} busy={busyIds.has(c.id)} actions={actions} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function CameraRow({ camera, now, busy, actions }: { camera: Camera; now: number; busy: boolean; actions: CameraActions }): React.JSX.Element {
  const main = camera.streams.find((s) => s.kind === 'main');
  const sub = camera.streams.find((s) => s.kind === 'sub');
  return (
    <tr data-camera-id={camera.id} className={camera.enabled ? undefined : 'kwc-row--disabled'}>
      <td className="kwc-cell-camera">
        <div className="kwc-camera-name">{camera.name}</div>
        <div className="kwc-camera-source" title={camera.source === 'test-pattern' ? undefined : camera.mainUrl}>
          <span className="kwc-source-tag">{SOURCE_LABEL[camera.source]}</span>
          <span className="kwc-mono">{camera.source === 'test-pattern' ? 'built-in test pattern' : hostOf(camera.mainUrl)}</span>
          {camera.hasCredentials && (
            <span className="kwc-lock" title="Sign-in saved (encrypted)" aria-label="sign-in saved">
              <svg viewBox="0 0 16 16" width="11" height="11" aria-hidden="true">
                <rect x="3" y="7" width="10" height="7" rx="1.5" fill="currentColor" />
                <path d="M5.5 7V5a2.5 2.5 0 015 0v2" fill="none" stroke="currentColor" strokeWidth="1.5" />
              </svg>
            </span>
          )}
        </div>
      </td>
      <td className="kwc-cell-state">
        <StateBadge status={camera.status} now={now} />
        <div className="kwc-state-line">
          <StateDetail status={camera.status} now={now} />
        </div>
      </td>
      <td className="kwc-col-streams">
        <StreamLine label="Main" stream={main} />
        <StreamLine label="Sub" stream={sub} />
      </td>
      <td className="kwc-cell-footage">
        {camera.storage.segments > 0 ? (
          <>
            <div className="kwc-strong">{formatBytes(camera.storage.bytes)}</div>
            <div className="kwc-muted">{formatCount(camera.storage.segments, 'segment')}</div>
          </>
        ) : (
          <span className="kwc-muted">No footage yet</span>
        )}
      </td>
      <td className="kwc-col-retention">
        <div>{camera.storage.segments > 0 ? `Keeps ${formatSpanDays(camera.storage.daysKept)}` : <span className="kwc-muted">—</span>}</div>
        <div className="kwc-muted">{camera.retention.maxAgeDays !== null ? `limit ${formatDayLimit(camera.retention.maxAgeDays)}` : 'no age limit'}</div>
      </td>
      <td className="kwc-col-actions">
        <div className="kwc-row-actions">
          <OnvifDetailsButton camera={camera} />
          <button type="button" className="kwf-btn kwf-btn--small kwf-btn--ghost" onClick={() => actions.detection(camera)} aria-label={`Detection settings of ${camera.name}`} data-testid="camera-detection">
            Detection
          </button>
          <button type="button" className="kwf-btn kwf-btn--small kwf-btn--ghost" onClick={() => actions.edit(camera)} aria-label={`Edit ${camera.name}`}>
            Edit
          </button>
          <button
            type="button"
            className="kwf-btn kwf-btn--small kwf-btn--ghost"
            onClick={() => actions.toggle(camera)}
            disabled={busy}
            aria-label={`${camera.enabled ? 'Disable' : 'Enable'} ${camera.name}`}
          >
            {camera.enabled ? 'Disable' : 'Enable'}
          </button>
          <button
            type="button"
            className="kwf-btn kwf-btn--small kwf-btn--ghost kwf-btn--danger-text"
            onClick={() => actions.remove(camera)}
            disabled={busy}
            aria-label={`Remove ${camera.name}`}
          >
            Remove
          </button>
        </div>
      </td>
    </tr>
  );
}

const SOURCE_LABEL: Record<Camera['source'], string> = { rtsp: 'RTSP', onvif: 'ONVIF', 'test-pattern': 'Demo' };

function StreamLine({ label, stream }: { label: string; stream: StreamInfo | undefined }): React.JSX.Element {
  const format = stream ? [formatCodec(stream.codec), formatResolution(stream.width, stream.height)].filter(Boolean).join(' · ') : '';
  return (
    <div className="kwc-stream">
      <span className="kwc-stream__kind">{label}</span>
      {!stream ? (
        <span className="kwc-muted">none</span>
      ) : format ? (
        <span>{format}</span>
      ) : (
        <span className="kwc-muted">no video yet</span>
      )}
    </div>
  );
}

/** host:port/path of a stream URL (the API never includes credentials); the full URL is in the tooltip. */
function hostOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.host}${u.pathname === '/' ? '' : u.pathname}` || url;
  } catch {
    return url;
  }
}
