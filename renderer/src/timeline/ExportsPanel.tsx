/**
 * Every export this Keepwatch holds: running ones with their progress,
 * finished ones to download, verify or delete.
 */
import { useState } from 'react';
import type { ExportJob } from '../../../preload/api.ts';
import { api } from '../api/index.ts';
import { useServerValue } from '../forms/use-server-value.ts';
import { Spinner } from '../ui/components.tsx';
import { formatMoment } from './time-axis.ts';
import { exportDownloadUrl, formatBytes } from './export-format.ts';

export function ExportsPanel({ timeZone, onOpen, onClose }: { timeZone: string; onOpen: (job: ExportJob) => void; onClose: () => void }): React.JSX.Element {
  const exports = useServerValue(() => api.listExports({}), 1500);
  const [busy, setBusy] = useState<number | null>(null);
  const remove = async (job: ExportJob) => {
    const running = job.state === 'queued' || job.state === 'running';
    if (!running && !window.confirm(`Delete export ${job.id} and its files?`)) return;
    setBusy(job.id);
    await api.cancelExport({ id: job.id });
    setBusy(null);
    await exports.refresh();
  };
  const list = exports.value ?? [];
  return (
    <aside className="kwt-exports" aria-label="Exports" data-testid="exports-panel">
      <header className="kwt-exports__head">
        <h2>Exports</h2>
        <button type="button" className="kw-iconbtn" onClick={onClose} aria-label="Close exports">
          ✕
        </button>
      </header>
      {exports.loading && <Spinner label="Loading exports" />}
      {exports.error && <p className="kwt-exports__error">{exports.error}</p>}
      {!exports.loading && !list.length && <p className="kwt-exports__empty">No exports yet. Choose a range on the timeline and press Export.</p>}
      <ul className="kwt-exports__list">
        {list.map((job) => {
          const running = job.state === 'queued' || job.state === 'running';
          const size = job.files.reduce((n, f) => n + f.bytes, 0);
          return (
            <li key={job.id} className="kwt-exports__item" data-state={job.state}>
              <button type="button" className="kwt-exports__open" onClick={() => onOpen(job)}>
                <span className="kwt-exports__title">
                  #{job.id} · {job.cameras.length} camera{job.cameras.length === 1 ? '' : 's'} · {job.mode === 'copy' ? 'original' : 'exact'}
                </span>
                <span className="kwt-exports__range">{formatMoment(job.from, { timeZone })}</span>
                <span className={`kwt-exports__state is-${job.state}`}>
                  {running ? `${job.state === 'queued' ? 'queued' : `${Math.round(job.progress * 100)} %`}` : job.state === 'done' ? formatBytes(size) : job.state}
                </span>
              </button>
              {running && (
                <div className="kwt-progress kwt-progress--thin">
                  <div className="kwt-progress__bar" style={{ width: `${Math.max(2, job.progress * 100)}%` }} />
                </div>
              )}
              <div className="kwt-exports__actions">
                {job.state === 'done' && (
                  <a className="kwf-btn kwf-btn--small" href={exportDownloadUrl(job.id)} download>
                    Download
                  </a>
                )}
                <button type="button" className="kwf-btn kwf-btn--small kwf-btn--ghost kwf-btn--danger-text" disabled={busy === job.id} onClick={() => remove(job)}>
                  {running ? 'Cancel' : 'Delete'}
                </button>
              </div>
            </li>
          );
        })}
      </ul>
    </aside>
  );
}
