/**
 * The Users page (admins): everyone who may use this Keepwatch, their role,
 * the grants matrix (viewers × cameras × Live/Playback/Export/PTZ), new
 * passwords, sessions and tokens, removal. The owner's row can be neither
 * removed nor demoted, so those controls are not there.
 *
 * Keyboard: A adds a user · Ctrl+S (⌘S) saves the matrix · in dialogs Enter
 * submits and Esc closes.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Right, Role, User } from '../../../preload/api.ts';
import { api } from '../api/index.ts';
import { Kbd } from '../forms/Field.tsx';
import { formatAgo, formatCount } from '../forms/format.ts';
import { useServerValue } from '../forms/use-server-value.ts';
import { EmptyState, Spinner } from '../ui/components.tsx';
import { changedUsers, grantMap, grantsInput, toggleRight, type GrantMap } from './grants-model.ts';
import { GrantsMatrix } from './GrantsMatrix.tsx';
import { useMe } from './me-context.tsx';
import { AddUserDialog, RemoveUserDialog, ResetPasswordDialog, UserAccessDialog } from './UserDialogs.tsx';
import '../forms/forms.css';
import './users.css';

type Open = { kind: 'add' } | { kind: 'password' | 'remove' | 'access'; id: number } | null;
type Notice = { tone: 'ok' | 'danger'; text: string } | null;

export function UsersPage(): React.JSX.Element {
  const { me } = useMe();
  const users = useServerValue(() => api.listUsers({}), 10_000);
  const cameras = useServerValue(() => api.listCameras({}), 10_000);
  const [open, setOpen] = useState<Open>(null);
  const [drafts, setDrafts] = useState<Map<number, GrantMap>>(new Map());
  const [saving, setSaving] = useState(false);
  const [notice, setNotice] = useState<Notice>(null);

  const list = users.value ?? [];
  const cameraList = cameras.value ?? [];
  const viewers = list.filter((u) => u.role === 'viewer');
  const admins = list.filter((u) => u.role === 'admin');
  const changed = useMemo(() => changedUsers(viewers, drafts), [viewers, drafts]);
  const dirty = useMemo(() => new Set(changed.map((u) => u.id)), [changed]);
  const byId = (id: number) => list.find((u) => u.id === id) ?? null;
  const close = () => setOpen(null);

  const toggle = (user: User, cameraId: number, right: Right, on: boolean) =>
    setDrafts((d) => new Map(d).set(user.id, toggleRight(d.get(user.id) ?? grantMap(user.cameras), cameraId, right, on)));

  const save = useCallback(async () => {
    if (!changed.length || saving) return;
    setSaving(true);
    const existing = new Set(cameraList.map((c) => c.id));
    const failures: string[] = [];
    const saved: number[] = [];
    for (const user of changed) {
      const r = await api.updateUser({ id: user.id, cameras: grantsInput(drafts.get(user.id)!, existing) });
      if (r.ok) saved.push(user.id);
      else failures.push(`${user.username}: ${r.error.message}`);
    }
    await users.refresh();
    setDrafts((d) => {
      const next = new Map(d);
      for (const id of saved) next.delete(id);
      return next;
    });
    setSaving(false);
    setNotice(
      failures.length
        ? { tone: 'danger', text: `Not saved — ${failures.join('; ')}` }
        : { tone: 'ok', text: `Camera access saved for ${formatCount(saved.length, 'user')}. Views they may no longer have are closed.` },
    );
  }, [changed, saving, cameraList, drafts, users]);

  const setRole = async (user: User, role: Role) => {
    const r = await api.updateUser({ id: user.id, role });
    await users.refresh();
    setNotice(r.ok ? { tone: 'ok', text: `${user.username} is now ${role === 'admin' ? 'an admin' : 'a viewer'}.` } : { tone: 'danger', text: `Could not change ${user.username}'s role: ${r.error.message}` });
  };

  useShortcuts(open === null, () => setOpen({ kind: 'add' }), () => void save());

  const current = open && open.kind !== 'add' ? byId(open.id) : null;

  return (
    <div className="kw-page" data-testid="users-page">
      <header className="kwu-head">
        <div>
          <h1 className="kwu-title">Users</h1>
          <p className="kwu-summary" aria-live="polite">
            {users.value ? `${formatCount(list.length, 'person', 'people')} · ${formatCount(admins.length, 'admin')} · ${formatCount(viewers.length, 'viewer')}` : users.loading ? 'Loading…' : ''}
          </p>
        </div>
        <button type="button" className="kwf-btn kwf-btn--primary" onClick={() => setOpen({ kind: 'add' })} aria-keyshortcuts="a" data-testid="add-user">
          <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
            <path d="M8 3v10M3 8h10" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" />
          </svg>
          Add user
          <Kbd>A</Kbd>
        </button>
      </header>

      {users.error && (
        <div className="kwu-banner kwu-banner--danger" role="alert">
          <strong>Can't load the users.</strong> {users.error} {users.value ? 'Showing the last answer; retrying.' : 'Retrying.'}
        </div>
      )}
      {notice && (
        <div className={`kwu-banner kwu-banner--${notice.tone}`} role={notice.tone === 'danger' ? 'alert' : 'status'} onClick={() => setNotice(null)}>
          {notice.text}
        </div>
      )}

      {users.value === null ? (
        users.loading && (
          <div className="kwu-center">
            <Spinner label="Loading users…" />
          </div>
        )
      ) : (
        <>
          <div className="kwu-table-wrap">
            <table className="kwu-table kwu-table--stack" data-testid="users-table">
              <thead>
                <tr>
                  <th scope="col">User</th>
                  <th scope="col">Role</th>
                  <th scope="col" className="kwu-hide-narrow">
                    Cameras
                  </th>
                  <th scope="col" className="kwu-hide-narrow">
                    Last sign-in
                  </th>
                  <th scope="col">
                    <span className="kwu-sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.map((u) => (
                  <tr key={u.id} data-user={u.username}>
                    <td>
                      <span className="kwu-user">
                        <span className="kwu-avatar" aria-hidden="true">
                          {u.username.slice(0, 1)}
                        </span>
                        <span className="kwu-user__name">{u.username}</span>
                        <span className="kwu-tags">
                          {u.owner && <span className="kwf-tag kwf-tag--ok">Owner</span>}
                          {u.id === me.user.id && <span className="kwf-tag kwf-tag--muted">You</span>}
                        </span>
                      </span>
                    </td>
                    <td>
                      {/* The owner is never demoted; nobody demotes themselves by a slip of the mouse. */}
                      {u.owner || u.id === me.user.id ? (
                        <span className={`kwu-role${u.role === 'admin' ? ' kwu-role--admin' : ''}`}>{u.role === 'admin' ? 'Admin' : 'Viewer'}</span>
                      ) : (
                        <select className="kwf-input kwu-role-select" value={u.role} onChange={(e) => void setRole(u, e.target.value as Role)} aria-label={`Role of ${u.username}`}>
                          <option value="viewer">Viewer</option>
                          <option value="admin">Admin</option>
                        </select>
                      )}
                    </td>
                    <td className="kwu-hide-narrow kwu-muted">{u.role === 'admin' ? 'All, every right' : u.cameras.length ? formatCount(u.cameras.length, 'camera') : 'None yet'}</td>
                    <td className="kwu-hide-narrow kwu-muted kwu-nowrap">{u.lastLoginAt === null ? 'Never' : formatAgo(u.lastLoginAt)}</td>
                    <td>
                      <div className="kwu-actions">
                        <button type="button" className="kwf-btn kwf-btn--small kwf-btn--ghost" onClick={() => setOpen({ kind: 'access', id: u.id })} aria-label={`Sessions and tokens of ${u.username}`}>
                          Sessions
                        </button>
                        <button type="button" className="kwf-btn kwf-btn--small kwf-btn--ghost" onClick={() => setOpen({ kind: 'password', id: u.id })} aria-label={`New password for ${u.username}`}>
                          New password
                        </button>
                        {!u.owner && u.id !== me.user.id && (
                          <button type="button" className="kwf-btn kwf-btn--small kwf-btn--ghost kwf-btn--danger-text" onClick={() => setOpen({ kind: 'remove', id: u.id })} aria-label={`Remove ${u.username}`}>
                            Remove
                          </button>
                        )}
                      </div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>

          <section className="kwu-section" aria-labelledby="kwu-access-title">
            <div className="kwu-section__head">
              <h2 id="kwu-access-title" className="kwu-section__title">
                Camera access
              </h2>
              <p className="kwu-section__note">
                {admins.length ? `${admins.map((a) => a.username).join(', ')} ${admins.length === 1 ? 'is an admin and sees' : 'are admins and see'} every camera. ` : ''}
                A camera without any right does not exist for that viewer.
              </p>
            </div>
            {viewers.length === 0 ? (
              <EmptyState title="No viewers yet" testId="no-viewers" action={<button type="button" className="kwf-btn" onClick={() => setOpen({ kind: 'add' })}>Add a viewer</button>}>
                Add a user with the Viewer role, then choose which cameras they see and what they may do with each.
              </EmptyState>
            ) : cameraList.length === 0 ? (
              <p className="kwu-empty-line">{cameras.loading ? 'Loading cameras…' : 'No cameras yet: add one on the Cameras page, then grant it here.'}</p>
            ) : (
              <GrantsMatrix viewers={viewers} cameras={cameraList} drafts={drafts} dirty={dirty} onToggle={toggle} />
            )}
            {changed.length > 0 && (
              <div className="kwu-savebar" role="region" aria-label="Unsaved camera access">
                <span className="kwu-savebar__text">
                  Unsaved changes for {changed.map((u) => u.username).join(', ')}
                </span>
                <button type="button" className="kwf-btn kwf-btn--ghost" onClick={() => setDrafts(new Map())} disabled={saving}>
                  Discard
                </button>
                <button type="button" className="kwf-btn kwf-btn--primary" onClick={() => void save()} disabled={saving} data-testid="save-grants" aria-keyshortcuts="Control+S">
                  {saving ? 'Saving…' : 'Save changes'} <Kbd>Ctrl S</Kbd>
                </button>
              </div>
            )}
          </section>
        </>
      )}

      {open?.kind === 'add' && (
        <AddUserDialog
          cameras={cameraList}
          onClose={close}
          onAdded={(u) => {
            close();
            setNotice({ tone: 'ok', text: `${u.username} added as ${u.role === 'admin' ? 'an admin' : 'a viewer'}.` });
            void users.refresh();
          }}
        />
      )}
      {open?.kind === 'password' && current && (
        <ResetPasswordDialog
          user={current}
          onClose={close}
          onDone={() => {
            close();
            setNotice({ tone: 'ok', text: `New password set for ${current.username}; their sessions and tokens have ended.` });
          }}
        />
      )}
      {open?.kind === 'remove' && current && (
        <RemoveUserDialog
          user={current}
          onClose={close}
          onRemoved={() => {
            close();
            setNotice({ tone: 'ok', text: `${current.username} removed.` });
            setDrafts((d) => {
              const next = new Map(d);
              next.delete(current.id);
              return next;
            });
            void users.refresh();
          }}
        />
      )}
      {open?.kind === 'access' && current && <UserAccessDialog user={current} onClose={close} />}
    </div>
  );
}

/** "a" adds a user; Ctrl/⌘+S saves the matrix (not while typing, not under a dialog). */
function useShortcuts(enabled: boolean, onAdd: () => void, onSave: () => void): void {
  const ref = useRef({ onAdd, onSave });
  ref.current = { onAdd, onSave };
  useEffect(() => {
    if (!enabled) return;
    const onKey = (e: KeyboardEvent) => {
      if (document.querySelector('dialog[open]') || e.defaultPrevented || e.repeat) return;
      if ((e.ctrlKey || e.metaKey) && (e.key === 's' || e.key === 'S')) {
        e.preventDefault();
        ref.current.onSave();
        return;
      }
      if (e.key !== 'a' && e.key !== 'A') return;
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      const t = e.target as HTMLElement | null;
      if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
      e.preventDefault();
      ref.current.onAdd();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [enabled]);
}
