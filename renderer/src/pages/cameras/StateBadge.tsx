/**
 * A camera's recording state as the engine reports it: recording, connecting,
 * offline (since when, the redacted last error, the next retry) or disabled.
 */
import type { CameraStatus } from '../../../../preload/api.ts';
import { formatCountdown, formatMoment } from '../../forms/format.ts';

const LABEL: Record<CameraStatus['state'], string> = {
  recording: 'Recording',
  connecting: 'Connecting',
  offline: 'Offline',
  disabled: 'Disabled',
};

export function StateBadge({ status, now }: { status: CameraStatus; now: number }): React.JSX.Element {
  return (
    <span className={`kwc-badge kwc-badge--${status.state}`} data-state={status.state}>
      <span className="kwc-badge__dot" aria-hidden="true" />
      {LABEL[status.state]}
      {status.state === 'offline' && <span className="kwc-badge__since">since {formatMoment(status.since, now)}</span>}
    </span>
  );
}

/** The line under the badge: what happened and what happens next. */
export function StateDetail({ status, now }: { status: CameraStatus; now: number }): React.JSX.Element | null {
  switch (status.state) {
    case 'recording':
      return <span className="kwc-muted">since {formatMoment(status.since, now)}</span>;
    case 'connecting':
      return <span className="kwc-muted">{status.lastError ? 'reconnecting…' : 'opening the stream…'}</span>;
    case 'disabled':
      return <span className="kwc-muted">not recording</span>;
    case 'offline':
      return (
        <span className="kwc-state-detail">
          {status.lastError && (
            <span className="kwc-error-text" title={status.lastError}>
              {status.lastError}
            </span>
          )}
          {status.retryAt !== null && <span className="kwc-muted">retrying {formatCountdown(status.retryAt, now)}</span>}
        </span>
      );
  }
}
