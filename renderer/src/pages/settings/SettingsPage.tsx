/**
 * The Settings page: storage as it stands (from getStatus, polled every 2 s),
 * how many days each camera keeps, the global recording settings, and About.
 * A storage problem the engine reports is shown first, in a warning banner.
 */
import { api } from '../../api/index.ts';
import { useServerValue } from '../../forms/use-server-value.ts';
import { AboutBox } from './AboutBox.tsx';
import { DaysKeptTable } from './DaysKeptTable.tsx';
import { SettingsForm } from './SettingsForm.tsx';
import { StoragePanel } from './StoragePanel.tsx';
import { LanSettings } from '../../lan/LanSettings.tsx';
import '../../forms/forms.css';
import './settings.css';

export function SettingsPage(): React.JSX.Element {
  const status = useServerValue(() => api.getStatus({}), 2000);
  const cameras = useServerValue(() => api.listCameras({}), 2000);
  const settings = useServerValue(() => api.getSettings({}), 15_000);
  const now = Date.now();
  const error = status.error ?? cameras.error ?? settings.error;
  const problem = status.value?.storage.problem ?? null;

  return (
    <div className="kw-page kws-page">
      <header className="kws-head">
        <h1 className="kws-title">Settings</h1>
        <p className="kws-subtitle">Storage, retention and recording for every camera on this machine, and access from other devices.</p>
      </header>

      {error && (
        <div className="kws-banner kws-banner--danger" role="alert">
          <strong>Can't reach Keepwatch.</strong> {error} Retrying every 2 s.
        </div>
      )}
      {problem && (
        <div className="kws-banner kws-banner--warn" role="alert" data-testid="storage-problem">
          <svg viewBox="0 0 16 16" width="18" height="18" aria-hidden="true">
            <path d="M8 1.8L15 14H1z" fill="none" stroke="currentColor" strokeWidth="1.4" strokeLinejoin="round" />
            <path d="M8 6v3.8M8 11.6v.4" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" />
          </svg>
          <div>
            <strong>Storage needs attention.</strong> {problem}
          </div>
        </div>
      )}

      <div className="kws-layout">
        <div className="kws-wide">
          {status.value ? <StoragePanel storage={status.value.storage} /> : <Placeholder label="Loading storage…" tall />}
        </div>
        <div className="kws-col">
          {settings.value ? (
            <SettingsForm
              settings={settings.value}
              totalBytes={status.value?.storage.totalBytes ?? null}
              onSaved={() => {
                void settings.refresh();
                void status.refresh();
              }}
            />
          ) : (
            <Placeholder label="Loading settings…" tall />
          )}
          <LanSettings />
        </div>
        <div className="kws-col">
          {cameras.value ? <DaysKeptTable cameras={cameras.value} now={now} /> : <Placeholder label="Loading cameras…" />}
          {status.value && <AboutBox version={status.value.version} startedAt={status.value.startedAt} now={now} />}
        </div>
      </div>
    </div>
  );
}

function Placeholder({ label, tall }: { label: string; tall?: boolean }): React.JSX.Element {
  return (
    <div className={`kws-card kws-placeholder${tall ? ' kws-placeholder--tall' : ''}`} aria-busy="true">
      <span className="kws-muted">{label}</span>
    </div>
  );
}
