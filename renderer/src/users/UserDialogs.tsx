/**
 * The Users page's dialogs: add a user (with their first grants), set a new
 * password, remove, and see a user's sessions and tokens.
 */
import { useState } from 'react';
import type { Camera, Role, User } from '../../../preload/api.ts';
import { api } from '../api/index.ts';
import { splitApiError, NO_ERRORS, type FormErrors } from '../forms/api-errors.ts';
import { Dialog } from '../forms/Dialog.tsx';
import { FormError, TextField } from '../forms/Field.tsx';
import { grantsInput, toggleRight, type GrantMap } from './grants-model.ts';
import { passwordProblems } from './password-rules.ts';
import { RightsPicker } from './RightsPicker.tsx';
import { PasswordLength } from './SetupPage.tsx';
import { SessionList, TokenList } from './SessionsAndTokens.tsx';

const FIELDS = ['username', 'password', 'role', 'cameras'];
const fieldFor = (path: string) => FIELDS.find((f) => path === f || path.startsWith(`${f}.`)) ?? null;

export function AddUserDialog({ cameras, onClose, onAdded }: { cameras: Camera[]; onClose: () => void; onAdded: (user: User) => void }): React.JSX.Element {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [grants, setGrants] = useState<GrantMap>(new Map());
  const [tried, setTried] = useState(false);
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [busy, setBusy] = useState(false);
  const local = passwordProblems(password, again);

  const submit = async () => {
    setTried(true);
    if (!username.trim() || local.password || local.again) return;
    setBusy(true);
    setErrors(NO_ERRORS);
    const r = await api.createUser({ username: username.trim(), password, role, cameras: role === 'viewer' ? grantsInput(grants) : [] });
    setBusy(false);
    if (r.ok) onAdded(r.value);
    else setErrors(r.error.code === 'conflict' ? { fields: { username: r.error.message }, general: null } : splitApiError(r.error, fieldFor));
  };

  return (
    <Dialog title="Add a user" subtitle="Give them the username and password; they can change the password under Account." onClose={onClose} size="large">
      <form
        className="kwf-form"
        data-testid="add-user-form"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <TextField label="Username" name="username" value={username} onChange={setUsername} autoFocus autoComplete="off" hint="Letters, digits and . _ - @" error={errors.fields.username ?? (tried && !username.trim() ? 'Choose a username.' : null)} />
        <div className="kwf-grid">
          <TextField label="Password" name="password" type="password" value={password} onChange={setPassword} autoComplete="new-password" hint={<PasswordLength password={password} />} error={errors.fields.password ?? (tried ? local.password : null)} />
          <TextField label="Password again" name="again" type="password" value={again} onChange={setAgain} autoComplete="new-password" error={tried ? local.again : null} />
        </div>
        <fieldset className="kwu-fieldset">
          <legend className="kwf-field__label">Role</legend>
          <div className="kwu-radios">
            <label className="kwf-radio">
              <input type="radio" name="role" value="viewer" checked={role === 'viewer'} onChange={() => setRole('viewer')} />
              <span>Viewer — only the cameras and rights chosen below</span>
            </label>
            <label className="kwf-radio">
              <input type="radio" name="role" value="admin" checked={role === 'admin'} onChange={() => setRole('admin')} />
              <span>Admin — everything, including users and settings</span>
            </label>
          </div>
        </fieldset>
        {role === 'viewer' && (
          <div className="kwf-field">
            <span className="kwf-field__label">Cameras</span>
            {cameras.length === 0 ? (
              <p className="kwu-empty-line">No cameras yet: grant them later on the Users page.</p>
            ) : (
              <ul className="kwu-grant-list" aria-label="Cameras and rights">
                {cameras.map((c) => (
                  <li key={c.id} data-camera-id={c.id}>
                    <span className="kwu-list__title">{c.name}</span>
                    <RightsPicker value={grants.get(c.id)} who={`the new user on ${c.name}`} onToggle={(right, on) => setGrants((g) => toggleRight(g, c.id, right, on))} />
                  </li>
                ))}
              </ul>
            )}
            {errors.fields.cameras && <p className="kwf-field__error">{errors.fields.cameras}</p>}
            <p className="kwf-field__hint">A camera without any right does not exist for them: it is not listed anywhere.</p>
          </div>
        )}
        <FormError message={errors.general} />
        <div className="kwf-actions">
          <button type="button" className="kwf-btn kwf-btn--ghost" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="kwf-btn kwf-btn--primary" disabled={busy} data-testid="add-user-submit">
            {busy ? 'Adding…' : 'Add user'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export function ResetPasswordDialog({ user, onClose, onDone }: { user: User; onClose: () => void; onDone: () => void }): React.JSX.Element {
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [tried, setTried] = useState(false);
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [busy, setBusy] = useState(false);
  const local = passwordProblems(password, again);

  const submit = async () => {
    setTried(true);
    if (local.password || local.again) return;
    setBusy(true);
    const r = await api.updateUser({ id: user.id, password });
    setBusy(false);
    if (r.ok) onDone();
    else setErrors(splitApiError(r.error, fieldFor));
  };

  return (
    <Dialog title={`New password for ${user.username}`} subtitle="Every session and personal token of theirs ends at once." onClose={onClose} size="small">
      <form
        className="kwf-form"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <TextField label="New password" name="password" type="password" value={password} onChange={setPassword} autoFocus autoComplete="new-password" hint={<PasswordLength password={password} />} error={errors.fields.password ?? (tried ? local.password : null)} />
        <TextField label="New password again" name="again" type="password" value={again} onChange={setAgain} autoComplete="new-password" error={tried ? local.again : null} />
        <FormError message={errors.general} />
        <div className="kwf-actions">
          <button type="button" className="kwf-btn kwf-btn--ghost" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="kwf-btn kwf-btn--primary" disabled={busy}>
            {busy ? 'Saving…' : 'Set the password'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export function RemoveUserDialog({ user, onClose, onRemoved }: { user: User; onClose: () => void; onRemoved: () => void }): React.JSX.Element {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const remove = async () => {
    setBusy(true);
    setError(null);
    const r = await api.removeUser({ id: user.id });
    setBusy(false);
    if (r.ok) onRemoved();
    else setError(r.error.message);
  };
  return (
    <Dialog title={`Remove ${user.username}?`} onClose={onClose} size="small" role="alertdialog">
      <div className="kwf-form">
        <p className="kwu-confirm-text">
          They are signed out everywhere at once, their personal tokens stop working and any live view they have open closes. The audit log keeps their name.
        </p>
        <p className="kwu-confirm-text kwu-muted">This cannot be undone.</p>
        <FormError message={error} />
        <div className="kwf-actions">
          <button type="button" className="kwf-btn kwf-btn--ghost" onClick={onClose} data-autofocus>
            Cancel
          </button>
          <button type="button" className="kwf-btn kwf-btn--danger" onClick={() => void remove()} disabled={busy} data-testid="remove-user-confirm">
            {busy ? 'Removing…' : `Remove ${user.username}`}
          </button>
        </div>
      </div>
    </Dialog>
  );
}

export function UserAccessDialog({ user, onClose }: { user: User; onClose: () => void }): React.JSX.Element {
  return (
    <Dialog title={`${user.username}: sessions and tokens`} subtitle="End a session to sign that browser out; revoke a token to stop a script." onClose={onClose} size="large">
      <div className="kwf-form">
        <p className="kwf-section-label">Signed in</p>
        <SessionList userId={user.id} />
        <p className="kwf-section-label">Personal API tokens</p>
        <TokenList userId={user.id} />
      </div>
    </Dialog>
  );
}
