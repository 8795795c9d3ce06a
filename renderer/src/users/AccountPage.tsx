/**
 * Account: who is signed in and how, one's own password, personal API tokens
 * for scripts (the secret shown once), one's signed-in browsers, and signing
 * out. The desktop app's owner has no session to end and may have no
 * password yet (the Users page sets one).
 */
import { useState } from 'react';
import type { CreatedToken, Me } from '../../../preload/api.ts';
import { api } from '../api/index.ts';
import { NO_ERRORS, splitApiError, type FormErrors } from '../forms/api-errors.ts';
import { FormError, TextField } from '../forms/Field.tsx';
import { formatMoment } from '../forms/format.ts';
import { CopyButton } from './CopyButton.tsx';
import { useMe } from './me-context.tsx';
import { passwordProblems } from './password-rules.ts';
import { PasswordLength } from './SetupPage.tsx';
import { SessionList, TokenList } from './SessionsAndTokens.tsx';
import '../forms/forms.css';
import './users.css';

const VIA: Record<Me['via'], string> = {
  local: 'The desktop app on this machine',
  'owner-token': "The owner's API token (the start-up link)",
  session: "This browser's sign-in",
  token: 'A personal API token',
};

export function AccountPage(): React.JSX.Element {
  const { me, signOut, isAdmin } = useMe();
  const [madeTokens, setMadeTokens] = useState(0);
  return (
    <div className="kw-page" data-testid="account-page">
      <header className="kwu-head">
        <div>
          <h1 className="kwu-title">Account</h1>
          <p className="kwu-summary">Your password, your API tokens and where you are signed in.</p>
        </div>
        {me.via === 'session' && (
          <button type="button" className="kwf-btn" onClick={() => void signOut()} data-testid="sign-out">
            Sign out
          </button>
        )}
      </header>
      <div className="kwu-account">
        <section className="kwu-card kwu-card--pad" aria-labelledby="kwu-me-title">
          <h2 id="kwu-me-title" className="kwu-section__title">
            {me.user.username}
          </h2>
          <dl className="kwu-facts" style={{ marginTop: 14 }}>
            <div>
              <dt>Role</dt>
              <dd>{me.user.owner ? 'Owner (admin)' : isAdmin ? 'Admin' : 'Viewer'}</dd>
            </div>
            <div>
              <dt>Cameras</dt>
              <dd>{isAdmin ? 'All, with every right' : me.rights.length ? `${me.rights.length} shared with you` : 'None shared with you yet'}</dd>
            </div>
            <div>
              <dt>Connected via</dt>
              <dd>{VIA[me.via]}</dd>
            </div>
            {me.expiresAt !== null && (
              <div>
                <dt>Session ends</dt>
                <dd>{formatMoment(me.expiresAt)}</dd>
              </div>
            )}
          </dl>
        </section>
        {me.user.hasPassword ? (
          <ChangePassword />
        ) : (
          <section className="kwu-card kwu-card--pad">
            <h2 className="kwu-section__title">Password</h2>
            <p className="kwu-muted">You have no password yet: you never need one on this machine. To sign in from another device, set one on the Users page (New password).</p>
          </section>
        )}
        <section className="kwu-card kwu-card--pad kwu-wide" aria-labelledby="kwu-tokens-title">
          <div className="kwu-section__head">
            <h2 id="kwu-tokens-title" className="kwu-section__title">
              Personal API tokens
            </h2>
            <p className="kwu-section__note">For scripts: send it as <code className="kwu-mono">Authorization: Bearer …</code>. A token acts with your rights.</p>
          </div>
          <CreateToken onCreated={() => setMadeTokens((n) => n + 1)} />
          <TokenList refreshKey={madeTokens} />
        </section>
        {me.via === 'session' && (
          <section className="kwu-card kwu-card--pad kwu-wide" aria-labelledby="kwu-sessions-title">
            <h2 id="kwu-sessions-title" className="kwu-section__title" style={{ marginBottom: 8 }}>
              Signed in
            </h2>
            <SessionList onRevokedCurrent={() => void signOut()} />
          </section>
        )}
      </div>
    </div>
  );
}

function ChangePassword(): React.JSX.Element {
  const [current, setCurrent] = useState('');
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [tried, setTried] = useState(false);
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const local = passwordProblems(password, again);

  const submit = async () => {
    setTried(true);
    setDone(false);
    if (!current || local.password || local.again) return;
    setBusy(true);
    setErrors(NO_ERRORS);
    const r = await api.changePassword({ currentPassword: current, newPassword: password });
    setBusy(false);
    if (r.ok) {
      setDone(true);
      setTried(false);
      setCurrent('');
      setPassword('');
      setAgain('');
    } else if (r.error.code === 'unauthorized') setErrors({ fields: { current: 'That is not your current password.' }, general: null });
    else setErrors(splitApiError(r.error, (p) => (p === 'newPassword' ? 'password' : p === 'currentPassword' ? 'current' : null)));
  };

  return (
    <section className="kwu-card kwu-card--pad" aria-labelledby="kwu-password-title">
      <h2 id="kwu-password-title" className="kwu-section__title" style={{ marginBottom: 14 }}>
        Change password
      </h2>
      <form
        className="kwf-form"
        data-testid="change-password"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <TextField label="Current password" name="current" type="password" value={current} onChange={setCurrent} autoComplete="current-password" error={errors.fields.current ?? (tried && !current ? 'Enter your current password.' : null)} />
        <TextField label="New password" name="password" type="password" value={password} onChange={setPassword} autoComplete="new-password" hint={<PasswordLength password={password} />} error={errors.fields.password ?? (tried ? local.password : null)} />
        <TextField label="New password again" name="again" type="password" value={again} onChange={setAgain} autoComplete="new-password" error={tried ? local.again : null} />
        <FormError message={errors.general} />
        <div className="kwf-actions">
          {done && (
            <span className="kwf-actions__note kwu-ok" role="status">
              Password changed. Your other sessions and your tokens have ended.
            </span>
          )}
          <button type="submit" className="kwf-btn kwf-btn--primary" disabled={busy}>
            {busy ? 'Changing…' : 'Change password'}
          </button>
        </div>
      </form>
    </section>
  );
}

function CreateToken({ onCreated }: { onCreated: () => void }): React.JSX.Element {
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [made, setMade] = useState<CreatedToken | null>(null);

  const submit = async () => {
    if (!name.trim()) return setError('Name the token after what will use it, e.g. "backup script".');
    setBusy(true);
    setError(null);
    const r = await api.createToken({ name: name.trim() });
    setBusy(false);
    if (!r.ok) return setError(r.error.message);
    setMade(r.value);
    setName('');
    onCreated();
  };

  return (
    <div className="kwf-form" style={{ marginBottom: 8 }}>
      {made && (
        <div className="kwu-secret" role="status" data-testid="token-secret">
          <div>
            <strong>Copy the token "{made.name}" now.</strong> It is shown only this once: Keepwatch keeps only a hash of it. If it is lost, revoke it and make another.
          </div>
          <div className="kw-copyable kwu-secret__value">
            <code data-testid="token-value">{made.token}</code>
            <CopyButton text={made.token} what="the token" />
          </div>
          <div>
            <button type="button" className="kwf-btn kwf-btn--small kwf-btn--ghost" onClick={() => setMade(null)}>
              I have copied it
            </button>
          </div>
        </div>
      )}
      <form
        className="kwu-inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <TextField label="New token's name" name="token-name" value={name} onChange={setName} placeholder="backup script" error={error} />
        <button type="submit" className="kwf-btn kwf-btn--primary" disabled={busy} data-testid="create-token">
          {busy ? 'Making…' : 'Make a token'}
        </button>
      </form>
    </div>
  );
}
