/**
 * The first run of a headless Keepwatch: the owner chooses a password, and
 * proves they are at the machine with the one-time setup code printed on the
 * console where Keepwatch was started. Afterwards this page never shows again.
 */
import { useState } from 'react';
import { MIN_PASSWORD_LENGTH, type SetupState } from '../../../preload/api.ts';
import { api } from '../api/index.ts';
import { splitApiError } from '../forms/api-errors.ts';
import { FormError, TextField } from '../forms/Field.tsx';
import { LogoMark } from '../ui/icons.tsx';
import { useAutofocus } from './LoginPage.tsx';
import { passwordProblems } from './password-rules.ts';
import '../forms/forms.css';
import './users.css';

export function SetupPage({ setup, onDone, onSignIn }: {
  setup: SetupState;
  onDone: () => Promise<void> | void;
  /** Someone with an account (made by the owner through the API token) signs in instead. */
  onSignIn: () => void;
}): React.JSX.Element {
  const [code, setCode] = useState('');
  const [username, setUsername] = useState(setup.username);
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [tried, setTried] = useState(false);
  const [errors, setErrors] = useState<{ fields: Record<string, string>; general: string | null }>({ fields: {}, general: null });
  const [busy, setBusy] = useState(false);
  const local = passwordProblems(password, again);
  useAutofocus();

  const submit = async () => {
    setTried(true);
    if (!code.trim() || !username.trim() || local.password || local.again) return;
    setBusy(true);
    setErrors({ fields: {}, general: null });
    const r = await api.completeSetup({ code: code.trim(), username: username.trim(), password });
    if (r.ok) {
      await onDone();
      return;
    }
    // Finished meanwhile (another tab, another person): the login page is what is left.
    if (r.error.code === 'conflict') {
      const now = await api.getSetup(undefined);
      if (now.ok && !now.value.needed) return void (await onDone());
    }
    setBusy(false);
    if (r.error.code === 'unauthorized' || r.error.code === 'forbidden') setErrors({ fields: { code: 'This setup code is not right (or was already used). Copy it again from the console.' }, general: null });
    else setErrors(splitApiError(r.error, (path) => (['code', 'username', 'password'].includes(path) ? path : null)));
  };

  return (
    <div className="kwu-screen">
      <form
        className="kwu-auth kwu-auth--wide"
        aria-labelledby="kwu-setup-title"
        data-testid="setup-page"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <div className="kwu-auth__brand">
          <LogoMark size={40} />
          <h1 id="kwu-setup-title">Welcome to Keepwatch</h1>
          <p>Choose the owner's password. The owner sees every camera and decides who else may.</p>
        </div>
        <TextField
          label="Setup code"
          name="code"
          value={code}
          onChange={setCode}
          monospace
          autoFocus
          required
          hint="Printed on the console (or in the service log) where Keepwatch was started. It works once."
          error={errors.fields.code ?? (tried && !code.trim() ? 'Enter the setup code from the console.' : null)}
        />
        <TextField label="Owner's username" name="username" value={username} onChange={setUsername} autoComplete="username" required error={errors.fields.username ?? (tried && !username.trim() ? 'Choose a username.' : null)} />
        <TextField
          label="Password"
          name="password"
          type="password"
          value={password}
          onChange={setPassword}
          autoComplete="new-password"
          required
          hint={<PasswordLength password={password} />}
          error={errors.fields.password ?? (tried ? local.password : null)}
        />
        <TextField label="Password again" name="again" type="password" value={again} onChange={setAgain} autoComplete="new-password" required error={tried ? local.again : null} />
        <FormError message={errors.general} />
        <button type="submit" className="kwf-btn kwf-btn--primary kwu-auth__submit" disabled={busy} data-testid="setup-submit">
          {busy ? 'Setting up…' : 'Set the password and open Keepwatch'}
        </button>
        <button type="button" className="kwf-btn kwf-btn--ghost kwf-btn--small kwu-auth__switch" onClick={onSignIn} data-testid="go-login">
          Not the owner? Sign in with your account
        </button>
      </form>
    </div>
  );
}

/** "At least 10 characters · 4 so far", green once long enough. */
export function PasswordLength({ password }: { password: string }): React.JSX.Element {
  const enough = password.length >= MIN_PASSWORD_LENGTH;
  return (
    <span className={enough ? 'kwu-ok' : undefined} data-testid="password-length">
      At least {MIN_PASSWORD_LENGTH} characters{password ? ` · ${password.length} so far` : ''}. Very common passwords are refused.
    </span>
  );
}
