/**
 * The Audit page (admins): who signed in (and who failed), who watched which
 * camera live, who played or exported which footage, and every change to
 * users, grants, cameras and settings. Newest first; filters live in the
 * address, so a filtered view can be bookmarked. Refreshed every 10 s.
 */
import { useMemo } from 'react';
import { AUDIT_ACTIONS, type AuditEntry, type Camera, type User } from '../../../preload/api.ts';
import { api } from '../api/index.ts';
import { formatCount, formatMoment } from '../forms/format.ts';
import { useServerValue } from '../forms/use-server-value.ts';
import { EmptyState, Segmented, Spinner } from '../ui/components.tsx';
import { navigate, useHashRoute } from '../ui/router.ts';
import { ACTION_GROUPS, ACTION_LABELS, AUDIT_PAGE, AUDIT_RANGES, actionTone, auditHash, auditQuery, parseAuditFilters, type AuditFilters, type AuditRange } from './audit-model.ts';
import '../forms/forms.css';
import './users.css';

export function AuditPage(): React.JSX.Element {
  const route = useHashRoute();
  const filters = useMemo(() => parseAuditFilters(route.query), [route.query.toString()]);
  const setFilters = (patch: Partial<AuditFilters>) => navigate(auditHash({ ...filters, ...patch }), { replace: true });
  const users = useServerValue(() => api.listUsers({}), 30_000);
  const cameras = useServerValue(() => api.listCameras({}), 30_000);
  // Other filters: a fresh view, which asks at once (and shows "loading", not the old rows).
  return <AuditView key={JSON.stringify(filters)} filters={filters} setFilters={setFilters} users={users.value} cameras={cameras.value} />;
}

function AuditView({ filters, setFilters, users, cameras }: {
  filters: AuditFilters;
  setFilters: (p: Partial<AuditFilters>) => void;
  users: User[] | null;
  cameras: Camera[] | null;
}): React.JSX.Element {
  const entries = useServerValue(() => api.listAudit(auditQuery(filters, Date.now())), 10_000);
  const cameraName = (id: number) => cameras?.find((c) => c.id === id)?.name ?? `Camera ${id} (removed)`;
  const rows = useMemo(() => (entries.value ? [...entries.value].sort((a, b) => b.at - a.at || b.id - a.id) : null), [entries.value]);
  const filtered = filters.user !== null || filters.camera !== null || filters.action !== null;
  const now = Date.now();

  return (
    <div className="kw-page" data-testid="audit-page">
      <header className="kwu-head">
        <div>
          <h1 className="kwu-title">Audit</h1>
          <p className="kwu-summary" aria-live="polite">
            {rows ? `${formatCount(rows.length, 'entry', 'entries')} in the last ${AUDIT_RANGES.find((r) => r.key === filters.range)!.label}${rows.length >= AUDIT_PAGE ? ' (the newest; narrow the filters to see older ones)' : ''}` : entries.loading ? 'Loading…' : ''}
          </p>
        </div>
      </header>

      <div className="kwu-filters" role="group" aria-label="Filters">
        <Segmented label="Time" value={filters.range} onChange={(v: AuditRange) => setFilters({ range: v })} options={AUDIT_RANGES.map((r) => ({ value: r.key, label: r.label }))} />
        <select className="kwf-input" value={filters.user ?? ''} onChange={(e) => setFilters({ user: e.target.value ? Number(e.target.value) : null })} aria-label="User" data-testid="audit-user">
          <option value="">Everyone</option>
          {filters.user !== null && !users?.some((u) => u.id === filters.user) && <option value={filters.user}>User {filters.user}</option>}
          {users?.map((u) => (
            <option key={u.id} value={u.id}>
              {u.username}
            </option>
          ))}
        </select>
        <select className="kwf-input" value={filters.camera ?? ''} onChange={(e) => setFilters({ camera: e.target.value ? Number(e.target.value) : null })} aria-label="Camera" data-testid="audit-camera">
          <option value="">Any camera</option>
          {filters.camera !== null && !cameras?.some((c) => c.id === filters.camera) && <option value={filters.camera}>Camera {filters.camera}</option>}
          {cameras?.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </select>
        <select className="kwf-input" value={filters.action ?? ''} onChange={(e) => setFilters({ action: (e.target.value || null) as AuditFilters['action'] })} aria-label="Action" data-testid="audit-action">
          <option value="">Any action</option>
          {ACTION_GROUPS.map((g) => (
            <optgroup key={g.label} label={g.label}>
              {g.actions.filter((a) => AUDIT_ACTIONS.includes(a)).map((a) => (
                <option key={a} value={a}>
                  {ACTION_LABELS[a]}
                </option>
              ))}
            </optgroup>
          ))}
        </select>
        {filtered && (
          <button type="button" className="kwf-btn kwf-btn--ghost" onClick={() => setFilters({ user: null, camera: null, action: null })}>
            Clear filters
          </button>
        )}
      </div>

      {entries.error && rows && (
        <div className="kwu-banner kwu-banner--danger" role="alert">
          <strong>Can't refresh the audit log.</strong> {entries.error} Showing the last answer; retrying.
        </div>
      )}

      {rows === null ? (
        entries.error ? (
          <EmptyState title="Can't load the audit log" testId="audit-error" action={<button type="button" className="kwf-btn" onClick={() => void entries.refresh()}>Try again</button>}>
            {entries.error} Retrying every 10 s.
          </EmptyState>
        ) : (
          <div className="kwu-center">
            <Spinner label="Loading the audit log…" />
          </div>
        )
      ) : rows.length === 0 ? (
        <EmptyState title={filtered ? 'Nothing matches these filters' : 'Nothing recorded'} testId="audit-empty">
          {filtered ? 'No entry in this time range matches. Try a longer range or clear the filters.' : 'Sign-ins, viewing and changes appear here as they happen.'}
        </EmptyState>
      ) : (
        <div className="kwu-table-wrap">
          <table className="kwu-table" data-testid="audit-table">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">What</th>
                <th scope="col">Camera</th>
                <th scope="col" className="kwu-hide-narrow">
                  From
                </th>
                <th scope="col" className="kwu-hide-narrow">
                  Detail
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((e) => (
                <AuditRow key={e.id} entry={e} now={now} cameraName={cameraName} />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function AuditRow({ entry: e, now, cameraName }: { entry: AuditEntry; now: number; cameraName: (id: number) => string }): React.JSX.Element {
  return (
    <tr data-action={e.action} data-user={e.username ?? ''}>
      <td className="kwu-nowrap" title={new Date(e.at).toString()}>
        {formatMoment(e.at, now)}
      </td>
      <td className="kwu-nowrap">{e.username ?? <span className="kwu-muted">nobody</span>}</td>
      <td>
        <span className={`kwu-action kwu-action--${actionTone(e.action)}`}>{ACTION_LABELS[e.action] ?? e.action}</span>
      </td>
      <td className="kwu-nowrap">{e.cameraId === null ? <span className="kwu-muted">—</span> : cameraName(e.cameraId)}</td>
      <td className="kwu-hide-narrow kwu-mono kwu-nowrap">{e.address}</td>
      <td className="kwu-hide-narrow kwu-detail">{e.detail}</td>
    </tr>
  );
}
