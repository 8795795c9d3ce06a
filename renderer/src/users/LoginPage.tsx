/**
 * The login page (a browser that is not the desktop app's local owner).
 * Wrong password and unknown user get the same answer from the engine, and
 * the same words here; a slowed-down attempt shows the engine's own message.
 */
import { useEffect, useState } from 'react';
import { api } from '../api/index.ts';
import { FormError, TextField } from '../forms/Field.tsx';
import { LogoMark } from '../ui/icons.tsx';
import '../forms/forms.css';
import './users.css';

export function LoginPage({ notice, onSignedIn, onSetup }: {
  notice: string | null;
  onSignedIn: () => Promise<void> | void;
  /** Present while the owner's first-run setup is pending: back to the setup page. */
  onSetup?: () => void;
}): React.JSX.Element {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useAutofocus();

  const submit = async () => {
    if (!username.trim() || !password) return setError('Enter your username and password.');
    setBusy(true);
    setError(null);
    const r = await api.login({ username: username.trim(), password });
    if (r.ok) {
      await onSignedIn();
      return;
    }
    setBusy(false);
    setPassword('');
    setError(r.error.code === 'unauthorized' ? 'Wrong username or password.' : r.error.message);
  };

  return (
    <div className="kwu-screen">
      <form
        className="kwu-auth"
        aria-labelledby="kwu-login-title"
        data-testid="login-page"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <div className="kwu-auth__brand">
          <LogoMark size={40} />
          <h1 id="kwu-login-title">Sign in to Keepwatch</h1>
          <p>This Keepwatch is shared: sign in with the account its owner made for you.</p>
        </div>
        {notice && !error && (
          <p className="kwu-auth__notice" role="status">
            {notice}
          </p>
        )}
        <TextField label="Username" name="username" value={username} onChange={setUsername} autoComplete="username" autoFocus required />
        <TextField label="Password" name="password" type="password" value={password} onChange={setPassword} autoComplete="current-password" required />
        <FormError message={error} />
        <button type="submit" className="kwf-btn kwf-btn--primary kwu-auth__submit" disabled={busy} data-testid="login-submit">
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="kwu-auth__foot">Forgot your password? The owner can set a new one on the Users page.</p>
        {onSetup && (
          <button type="button" className="kwf-btn kwf-btn--ghost kwf-btn--small kwu-auth__switch" onClick={onSetup} data-testid="go-setup">
            First start of this Keepwatch? Set the owner's password
          </button>
        )}
      </form>
    </div>
  );
}

/** Focuses the field marked data-autofocus once (these forms are not dialogs, which would do it). */
export function useAutofocus(): void {
  useEffect(() => document.querySelector<HTMLElement>('.kwu-auth [data-autofocus]')?.focus(), []);
}
