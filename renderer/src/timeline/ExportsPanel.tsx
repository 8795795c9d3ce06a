/**
 * Every export this Keepwatch holds: running ones with their progress,
 * finished ones to download, save to a folder (desktop), verify or delete.
 */
import { useState } from 'react';
import type { ExportJob, KeepwatchDesktopApi, VerifyReport } from '../../../preload/api.ts';
import { api, desktop } from '../api/index.ts';
import { useServerValue } from '../forms/use-server-value.ts';
import { Spinner } from '../ui/components.tsx';
import { formatMoment } from './time-axis.ts';
import { exportDownloadUrl } from './export-format.ts';
import { formatBytes } from '../forms/format.ts';

export function ExportsPanel({ timeZone, onOpen, onClose }: { timeZone: string; onOpen: (job: ExportJob) => void; onClose: () => void }): React.JSX.Element {
  const exports = useServerValue(() => api.listExports({}), 1500);
  const [busy, setBusy] = useState<number | null>(null);
  /** "Save to folder…" per export (desktop): where it stands, kept while the panel is open. */
  const [saves, setSaves] = useState<Record<number, SaveState | undefined>>({});
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
                {job.state === 'done' && desktop && <SaveToFolderButton job={job} bridge={desktop} onChange={(s) => setSaves((all) => ({ ...all, [job.id]: s }))} busy={isSaving(saves[job.id])} />}
                <button
                  type="button"
                  className="kwf-btn kwf-btn--small kwf-btn--ghost kwf-btn--danger-text"
                  disabled={busy === job.id || isSaving(saves[job.id])}
                  onClick={() => remove(job)}
                >
                  {running ? 'Cancel' : 'Delete'}
                </button>
              </div>
              {saves[job.id] && <SaveStatus state={saves[job.id]!} />}
            </li>
          );
        })}
      </ul>
    </aside>
  );
}

/** Where a "Save to folder…" stands. */
type SaveState =
  | { stage: 'choosing' }
  | { stage: 'copying'; folder: string }
  | { stage: 'saved'; folder: string; report: VerifyReport }
  | { stage: 'failed'; message: string };

const isSaving = (s: SaveState | undefined) => s?.stage === 'choosing' || s?.stage === 'copying';

/**
 * Desktop only: main shows a folder dialog, then the engine copies the export
 * there and verifies the copy against its manifest. The page never handles the
 * path itself; it shows the stages and the verify result.
 */
function SaveToFolderButton({ job, bridge, busy, onChange }: { job: ExportJob; bridge: KeepwatchDesktopApi; busy: boolean; onChange: (s: SaveState | undefined) => void }): React.JSX.Element {
  const save = async () => {
    onChange({ stage: 'choosing' });
    const chosen = await bridge.chooseExportFolder({ id: job.id });
    if (!chosen.ok) return onChange({ stage: 'failed', message: chosen.error.message });
    if (!chosen.value.chosen) return onChange(undefined); // the user cancelled the dialog
    onChange({ stage: 'copying', folder: chosen.value.folder });
    const saved = await bridge.saveExportToFolder({ id: job.id, choice: chosen.value.choice });
    onChange(saved.ok ? { stage: 'saved', folder: saved.value.folder, report: saved.value.report } : { stage: 'failed', message: saved.error.message });
  };
  return (
    <button type="button" className="kwf-btn kwf-btn--small" disabled={busy} onClick={() => void save()}>
      Save to folder…
    </button>
  );
}

function SaveStatus({ state }: { state: SaveState }): React.JSX.Element {
  const text = (() => {
    switch (state.stage) {
      case 'choosing':
        return <Spinner label="Choose a folder…" size={14} />;
      case 'copying':
        return <Spinner label={`Copying to ${state.folder} and checking the copy…`} size={14} />;
      case 'saved': {
        const n = state.report.files.length;
        return state.report.ok
          ? `Saved to ${state.folder}. Checked: ${n === 1 ? 'the file matches' : `all ${n} files match`} the manifest.`
          : `Saved to ${state.folder}, but the copy does not match: ${state.report.summary}`;
      }
      case 'failed':
        return `Not saved: ${state.message}`;
    }
  })();
  const problem = state.stage === 'failed' || (state.stage === 'saved' && !state.report.ok);
  return (
    <p className={problem ? 'kwt-exports__error' : 'kwt-exports__empty'} data-testid="export-save-status" data-stage={state.stage} aria-live="polite">
      {text}
    </p>
  );
}
