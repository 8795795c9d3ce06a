/**
 * A user's signed-in browsers and personal API tokens, each revocable: on the
 * Users page (any user, for an admin) and on the Account page (one's own).
 */
import { useEffect, useState } from 'react';
import type { SessionInfo, TokenInfo } from '../../../preload/api.ts';
import { api } from '../api/index.ts';
import { formatAgo, formatMoment } from '../forms/format.ts';
import { useServerValue } from '../forms/use-server-value.ts';
import { Spinner } from '../ui/components.tsx';
import { describeBrowser } from './browser-name.ts';

export function SessionList({ userId, onRevokedCurrent }: { userId?: number; onRevokedCurrent?: () => void }): React.JSX.Element {
  const sessions = useServerValue(() => api.listSessions(userId === undefined ? {} : { user: userId }), 10_000);
  const [busy, setBusy] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const now = Date.now();

  const revoke = async (s: SessionInfo) => {
    setBusy(s.id);
    setError(null);
    const r = await api.revokeSession({ id: s.id });
    setBusy(null);
    if (!r.ok) return setError(`Could not end that session: ${r.error.message}`);
    if (s.current) onRevokedCurrent?.();
    await sessions.refresh();
  };

  return (
    <ListShell loading={sessions.loading} error={error ?? sessions.error} empty={sessions.value?.length === 0 ? 'Not signed in anywhere.' : null} testId="session-list">
      {sessions.value?.map((s) => (
        <li key={s.id} data-session-id={s.id}>
          <div className="kwu-list__main">
            <div className="kwu-list__title">
              {describeBrowser(s.userAgent)} · {s.address}
              {s.current && <span className="kwu-role kwu-tags">this browser</span>}
            </div>
            <div className="kwu-list__sub">
              Signed in {formatMoment(s.createdAt, now)} · last seen {formatAgo(s.lastSeenAt, now)} · ends {formatMoment(s.expiresAt, now)}
            </div>
          </div>
          <button type="button" className="kwf-btn kwf-btn--small kwf-btn--ghost kwf-btn--danger-text" onClick={() => void revoke(s)} disabled={busy === s.id} aria-label={`End the session from ${s.address}`}>
            {s.current ? 'Sign out' : 'End session'}
          </button>
        </li>
      ))}
    </ListShell>
  );
}

export function TokenList({ userId, refreshKey = 0 }: { userId?: number; /** Changes when a token was made: the list is read again. */ refreshKey?: number }): React.JSX.Element {
  const tokens = useServerValue(() => api.listTokens(userId === undefined ? {} : { user: userId }), 10_000);
  const [busy, setBusy] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  // A token made elsewhere on the page (refreshKey changes): list it at once.
  useEffect(() => {
    if (refreshKey) void tokens.refresh();
  }, [refreshKey, tokens.refresh]);
  const now = Date.now();

  const revoke = async (t: TokenInfo) => {
    setBusy(t.id);
    setError(null);
    const r = await api.revokeToken({ id: t.id });
    setBusy(null);
    if (!r.ok) return setError(`Could not revoke "${t.name}": ${r.error.message}`);
    await tokens.refresh();
  };

  return (
    <ListShell loading={tokens.loading} error={error ?? tokens.error} empty={tokens.value?.length === 0 ? 'No personal tokens.' : null} testId="token-list">
      {tokens.value?.map((t) => (
        <li key={t.id} data-token-id={t.id}>
          <div className="kwu-list__main">
            <div className="kwu-list__title">{t.name}</div>
            <div className="kwu-list__sub">
              Made {formatMoment(t.createdAt, now)} · {t.lastUsedAt === null ? 'never used' : `last used ${formatAgo(t.lastUsedAt, now)}`}
            </div>
          </div>
          <button type="button" className="kwf-btn kwf-btn--small kwf-btn--ghost kwf-btn--danger-text" onClick={() => void revoke(t)} disabled={busy === t.id} aria-label={`Revoke the token ${t.name}`}>
            Revoke
          </button>
        </li>
      ))}
    </ListShell>
  );
}

function ListShell({ loading, error, empty, testId, children }: { loading: boolean; error: string | null; empty: string | null; testId: string; children: React.ReactNode }): React.JSX.Element {
  return (
    <div data-testid={testId}>
      {error && (
        <p className="kwf-field__error" role="alert">
          {error}
        </p>
      )}
      {loading ? <Spinner label="Loading…" /> : empty ? <p className="kwu-empty-line">{empty}</p> : <ul className="kwu-list">{children}</ul>}
    </div>
  );
}
