/**
 * Export: pick cameras, a time range (local time, stored as UTC) and a mode;
 * follow the job's progress (cancel at any time: nothing is left behind); when
 * it is done, download it and verify it against its manifest.
 */
import { useEffect, useState } from 'react';
import type { ExportJob, ExportMode, VerifyReport } from '../../../preload/api.ts';
import { api } from '../api/index.ts';
import { Dialog } from '../forms/Dialog.tsx';
import '../forms/forms.css';
import { formatMoment, fromDateTimeLocalValue, toDateTimeLocalValue } from './time-axis.ts';
import { exportDownloadUrl, formatDuration } from './export-format.ts';
import { formatBytes } from '../forms/format.ts';

export interface ExportDialogProps {
  cameras: { id: number; name: string }[];
  selected: number[];
  from: number;
  to: number;
  timeZone: string;
  onClose: () => void;
  /** Show an existing job (from the exports list) instead of the form. */
  job?: ExportJob | null;
}

export function ExportDialog(props: ExportDialogProps): React.JSX.Element {
  const { cameras, timeZone, onClose } = props;
  const [chosen, setChosen] = useState<number[]>(props.selected);
  const [fromText, setFromText] = useState(toDateTimeLocalValue(props.from, timeZone));
  const [toText, setToText] = useState(toDateTimeLocalValue(props.to, timeZone));
  const [mode, setMode] = useState<ExportMode>('copy');
  const [burn, setBurn] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [job, setJob] = useState<ExportJob | null>(props.job ?? null);
  const [busy, setBusy] = useState(false);

  const from = fromDateTimeLocalValue(fromText, timeZone);
  const to = fromDateTimeLocalValue(toText, timeZone);
  const rangeProblem =
    from === null || to === null ? 'Enter a start and an end.' : from >= to ? 'The end must be after the start.' : null;

  // Follow a running job.
  useEffect(() => {
    if (!job || (job.state !== 'queued' && job.state !== 'running')) return;
    const t = setTimeout(async () => {
      const r = await api.getExport({ id: job.id });
      if (r.ok) setJob(r.value);
      else setError(r.error.message);
    }, 400);
    return () => clearTimeout(t);
  }, [job]);

  const start = async () => {
    if (rangeProblem || from === null || to === null) return;
    setBusy(true);
    setError(null);
    const r = await api.createExport({ cameras: chosen, from, to, mode, burnTimestamp: mode === 'exact' ? burn : undefined });
    setBusy(false);
    if (r.ok) setJob(r.value);
    else setError(r.error.message);
  };

  const cancel = async () => {
    if (!job) return;
    setBusy(true);
    const r = await api.cancelExport({ id: job.id });
    setBusy(false);
    if (r.ok) setJob(r.value);
    else setError(r.error.message);
  };

  const title = job ? `Export ${job.id}` : 'Export footage';
  return (
    <Dialog title={title} subtitle={job ? rangeLine(job, timeZone) : 'Cut a time range of one or more cameras into MP4 files with a SHA-256 manifest.'} onClose={onClose} size="large">
      <div className="kwt-export" data-testid="export-dialog">
        {!job && (
          <form
            className="kwf-form"
            onSubmit={(e) => {
              e.preventDefault();
              void start();
            }}
          >
            <fieldset className="kwt-export__cams">
              <legend className="kwf-section-label">Cameras</legend>
              {cameras.map((c) => (
                <label key={c.id} className="kwf-radio">
                  <input
                    type="checkbox"
                    checked={chosen.includes(c.id)}
                    onChange={(e) => setChosen((prev) => (e.target.checked ? [...prev, c.id] : prev.filter((id) => id !== c.id)))}
                  />
                  <span>{c.name}</span>
                </label>
              ))}
            </fieldset>
            <div className="kwf-grid">
              <label className="kwf-field">
                <span className="kwf-field__label">From ({timeZone})</span>
                <input className="kwf-input" type="datetime-local" step="1" value={fromText} onChange={(e) => setFromText(e.target.value)} data-testid="export-from" data-autofocus />
              </label>
              <label className="kwf-field">
                <span className="kwf-field__label">To</span>
                <input className="kwf-input" type="datetime-local" step="1" value={toText} onChange={(e) => setToText(e.target.value)} data-testid="export-to" />
              </label>
            </div>
            <fieldset className="kwt-export__modes">
              <legend className="kwf-section-label">How</legend>
              <label className="kwf-radio">
                <input type="radio" name="mode" checked={mode === 'copy'} onChange={() => setMode('copy')} />
                <span>
                  <strong>Original footage</strong> — the recorded bytes, not re-encoded; starts at the keyframe at or just before the start time. Fast.
                </span>
              </label>
              <label className="kwf-radio">
                <input type="radio" name="mode" checked={mode === 'exact'} onChange={() => setMode('exact')} data-testid="export-mode-exact" />
                <span>
                  <strong>Exact cut</strong> — re-encoded to H.264 and cut exactly at the start and end. Slower.
                </span>
              </label>
              <label className={`kwf-radio kwt-export__burn${mode === 'exact' ? '' : ' is-off'}`}>
                <input type="checkbox" checked={burn} disabled={mode !== 'exact'} onChange={(e) => setBurn(e.target.checked)} />
                <span>Burn the UTC date and time into the picture</span>
              </label>
            </fieldset>
            {(error || rangeProblem || !chosen.length) && (
              <p className="kwf-field__error" role="alert">
                {error ?? rangeProblem ?? 'Choose at least one camera.'}
              </p>
            )}
            <div className="kwf-actions">
              <span className="kwf-actions__note">Footage under a running export is kept from deletion until it ends.</span>
              <button type="button" className="kwf-btn kwf-btn--ghost" onClick={onClose}>
                Close
              </button>
              <button type="submit" className="kwf-btn kwf-btn--primary" disabled={busy || !!rangeProblem || !chosen.length} data-testid="export-start">
                Export
              </button>
            </div>
          </form>
        )}
        {job && <JobView job={job} busy={busy} error={error} onCancel={cancel} onClose={onClose} names={new Map(cameras.map((c) => [c.id, c.name]))} />}
      </div>
    </Dialog>
  );
}

function rangeLine(job: ExportJob, timeZone: string): string {
  return `${formatMoment(job.from, { timeZone })} → ${formatMoment(job.to, { timeZone, withZone: true })} · ${job.mode === 'copy' ? 'original footage' : 'exact cut'}`;
}

export function JobView({ job, busy, error, onCancel, onClose, names }: { job: ExportJob; busy: boolean; error: string | null; onCancel: () => void; onClose: () => void; names: Map<number, string> }): React.JSX.Element {
  const [report, setReport] = useState<VerifyReport | null>(null);
  const [verifying, setVerifying] = useState(false);
  const running = job.state === 'queued' || job.state === 'running';
  const verify = async () => {
    setVerifying(true);
    const r = await api.verifyExport({ id: job.id });
    setVerifying(false);
    setReport(r.ok ? r.value : { ok: false, manifestSha256: null, keepwatchVersion: null, files: [], summary: r.error.message });
  };
  return (
    <div className="kwt-job" data-state={job.state} data-testid="export-job">
      {running && (
        <>
          <div className="kwt-progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(job.progress * 100)} aria-label="Export progress">
            <div className="kwt-progress__bar" style={{ width: `${Math.max(2, job.progress * 100)}%` }} />
          </div>
          <p className="kwt-job__stage">
            {job.stage} · {Math.round(job.progress * 100)} %
          </p>
        </>
      )}
      {job.state === 'failed' && (
        <p className="kwf-field__error" role="alert">
          {job.error}
        </p>
      )}
      {job.state === 'cancelled' && <p className="kwt-job__stage">Cancelled. Nothing was kept.</p>}
      {job.state === 'done' && (
        <>
          <p className="kwt-job__ok">
            Done: {job.durations.map((d) => `${names.get(d.cameraId) ?? `camera ${d.cameraId}`} ${formatDuration(d.ms)}`).join(' · ')}.
            {job.camerasWithoutFootage.length > 0 && ` No footage for camera ${job.camerasWithoutFootage.join(', ')} in this range.`}
          </p>
          <table className="kwt-files">
            <thead>
              <tr>
                <th>File</th>
                <th>Size</th>
                <th>SHA-256</th>
              </tr>
            </thead>
            <tbody>
              {job.files.map((f) => (
                <tr key={f.name}>
                  <td>{f.name}</td>
                  <td>{formatBytes(f.bytes)}</td>
                  <td className="kwt-hash" title={f.sha256}>
                    {f.sha256}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="kwf-field__hint">
            Keep the manifest's SHA-256 with the files: <code className="kwt-hash">{job.manifestSha256}</code>. Anyone can check the export later with{' '}
            <code>npm run verify -- &lt;folder&gt;</code>.
          </p>
          {report && (
            <p className={report.ok ? 'kwt-job__ok' : 'kwf-field__error'} role="status" data-testid="verify-result" data-ok={report.ok}>
              {report.ok ? '✓ ' : '✗ '}
              {report.summary}
            </p>
          )}
        </>
      )}
      {error && (
        <p className="kwf-field__error" role="alert">
          {error}
        </p>
      )}
      <div className="kwf-actions">
        {running && (
          <button type="button" className="kwf-btn kwf-btn--danger" onClick={onCancel} disabled={busy} data-testid="export-cancel">
            Cancel export
          </button>
        )}
        {job.state === 'done' && (
          <>
            <button type="button" className="kwf-btn" onClick={verify} disabled={verifying} data-testid="export-verify">
              {verifying ? 'Verifying…' : 'Verify'}
            </button>
            <a className="kwf-btn kwf-btn--primary" href={exportDownloadUrl(job.id)} download data-testid="export-download">
              Download (.zip)
            </a>
          </>
        )}
        {!running && (
          <button type="button" className="kwf-btn kwf-btn--ghost" onClick={onClose}>
            Close
          </button>
        )}
      </div>
    </div>
  );
}
