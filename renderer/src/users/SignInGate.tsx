/**
 * Nothing of the app shows before Keepwatch says who is looking. getMe
 * answers at once in the desktop app (its local owner never types a
 * password) and for a browser holding a session or the owner's token;
 * otherwise the first-run setup page (headless, before the owner has a
 * password) or the login page is shown. A 401 on any later call (session
 * expired or revoked) brings the login page back; the address is kept, so
 * signing in again returns to the same page.
 */
import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { Me, SetupState } from '../../../preload/api.ts';
import { api, onForbidden, onSignedOut } from '../api/index.ts';
import { EmptyState, Spinner } from '../ui/components.tsx';
import { MeContext, type MeValue } from './me-context.tsx';
import { abilitiesOf } from './rights.ts';
import { LoginPage } from './LoginPage.tsx';
import { SetupPage } from './SetupPage.tsx';
import './users.css';

type GateState =
  | { kind: 'checking' }
  | { kind: 'in'; me: Me }
  /** `login`: the person chose to sign in with an account although the owner's setup is pending. */
  | { kind: 'out'; setup: SetupState | null; notice: string | null; login?: boolean }
  | { kind: 'unreachable'; message: string };

const ME_POLL_MS = 10_000;
/** Set once this browser signed in with an account: it gets the login page, not the owner's pending setup. */
const SIGNED_IN_BEFORE = 'keepwatch.signedInBefore';
const remembered = {
  get: () => {
    try {
      return window.localStorage.getItem(SIGNED_IN_BEFORE) === '1';
    } catch {
      return false;
    }
  },
  set: () => {
    try {
      window.localStorage.setItem(SIGNED_IN_BEFORE, '1');
    } catch {
      // storage off: the choice is simply not remembered
    }
  },
};
const RETRY_MS = 3000;

export function SignInGate({ children }: { children: ReactNode }): React.JSX.Element {
  const [state, setState] = useState<GateState>({ kind: 'checking' });
  const alive = useRef(true);

  /**
   * Asks who we are; `notice` is shown on the login page if nobody is signed
   * in. `login`: this browser had an account's session, so the login page
   * comes back even while the owner's first-run setup is still pending.
   */
  const check = useCallback(async (notice: string | null = null, login = false): Promise<void> => {
    const r = await api.getMe(undefined);
    if (!alive.current) return;
    if (r.ok) return setState((s) => (s.kind === 'in' && JSON.stringify(s.me) === JSON.stringify(r.value) ? s : { kind: 'in', me: r.value }));
    if (r.error.code !== 'unauthorized') return setState((s) => (s.kind === 'in' ? s : { kind: 'unreachable', message: r.error.message }));
    const setup = await api.getSetup(undefined);
    if (!alive.current) return;
    setState({ kind: 'out', setup: setup.ok ? setup.value : null, notice, login: login || remembered.get() });
  }, []);

  useEffect(() => {
    alive.current = true;
    void check();
    return () => {
      alive.current = false;
    };
  }, [check]);

  // Any call refused for want of a session: back to the login page.
  useEffect(() => onSignedOut(() => void check('You were signed out. Sign in again to continue.', true)), [check]);
  // Refused for want of a right (demoted meanwhile): read the rights again, so the rail and pages follow.
  useEffect(() => onForbidden(() => void check(null, true)), [check]);

  // Signed in: keep the rights fresh. Unreachable: try again.
  useEffect(() => {
    if (state.kind !== 'in' && state.kind !== 'unreachable') return;
    const timer = setInterval(() => {
      if (document.visibilityState !== 'hidden') void check('Your session has ended. Sign in again to continue.', true);
    }, state.kind === 'in' ? ME_POLL_MS : RETRY_MS);
    return () => clearInterval(timer);
  }, [state.kind, check]);

  const signOut = useCallback(async () => {
    await api.logout(undefined);
    await check(null, true);
  }, [check]);

  const me = state.kind === 'in' ? state.me : null;
  const value = useMemo<MeValue | null>(() => (me ? { me, ...abilitiesOf(me), refresh: () => check(), signOut } : null), [me, check, signOut]);

  if (state.kind === 'checking') {
    return (
      <div className="kwu-screen" aria-busy="true">
        <Spinner label="Opening Keepwatch…" />
      </div>
    );
  }
  if (state.kind === 'unreachable') {
    return (
      <div className="kwu-screen">
        <EmptyState title="Can't reach Keepwatch" testId="gate-unreachable" action={<button type="button" className="kw-btn" onClick={() => void check()}>Try again</button>}>
          {state.message} Retrying every {RETRY_MS / 1000} s.
        </EmptyState>
      </div>
    );
  }
  if (state.kind === 'out') {
    const setup = state.setup?.needed ? state.setup : null;
    if (setup && !state.login) return <SetupPage setup={setup} onDone={() => check()} onSignIn={() => setState({ ...state, login: true })} />;
    return <LoginPage notice={state.notice} onSignedIn={() => (remembered.set(), check())} onSetup={setup ? () => setState({ ...state, login: false }) : undefined} />;
  }
  return <MeContext.Provider value={value}>{children}</MeContext.Provider>;
}
