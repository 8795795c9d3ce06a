/**
 * The app frame: a navigation rail (Live, Timeline, Review, Cameras, Settings,
 * Users, Audit; Account at the bottom) and the page of the current hash
 * route. The same frame runs in the desktop window and in a browser against
 * the headless server.
 *
 * Nobody sees the frame before Keepwatch says who they are (<SignInGate>),
 * and a page the person may not use is not in the rail at all: a viewer has
 * no Cameras, Settings, Users or Audit, and no Timeline or Review without
 * playback on some camera. Typing such a page's address shows Live.
 */
import { useEffect, type ReactNode } from 'react';
import './ui/theme.css';
import './ui/ui.css';
import { navigate, useHashRoute, type Route } from './ui/router.ts';
import { CameraIcon, LiveIcon, LogoMark, SettingsIcon, TimelineIcon } from './ui/icons.tsx';
import { LivePage } from './pages/live/LivePage.tsx';
import { TimelinePage } from './pages/timeline/TimelinePage.tsx';
import { CamerasPage } from './pages/cameras/CamerasPage.tsx';
import { SettingsPage } from './pages/settings/SettingsPage.tsx';
import { ReviewPage } from './pages/review/ReviewPage.tsx';
import { ReviewIcon } from './review/ReviewIcon.tsx';
import { SignInGate } from './users/SignInGate.tsx';
import { useMe, type MeValue } from './users/me-context.tsx';
import { UsersPage } from './users/UsersPage.tsx';
import { AuditPage } from './users/AuditPage.tsx';
import { AccountPage } from './users/AccountPage.tsx';
import { AccountBadge, AuditIcon, SignOutIcon, UsersIcon } from './users/icons.tsx';

interface PageEntry {
  id: string;
  label: string;
  icon: (me: MeValue) => ReactNode;
  render: (route: Route) => React.JSX.Element;
  /** Whether this person may use the page at all (else it is not in the rail). */
  shown: (me: MeValue) => boolean;
  /** Kept at the bottom of the rail. */
  bottom?: boolean;
}

const everyone = () => true;
const admins = (me: MeValue) => me.isAdmin;
const watchers = (me: MeValue) => me.canAny('playback');

const PAGES: PageEntry[] = [
  { id: 'live', label: 'Live', icon: () => <LiveIcon />, render: (route) => <LivePage route={route} />, shown: everyone },
  { id: 'timeline', label: 'Timeline', icon: () => <TimelineIcon />, render: () => <TimelinePage />, shown: watchers },
  { id: 'review', label: 'Review', icon: () => <ReviewIcon />, render: () => <ReviewPage />, shown: watchers },
  { id: 'cameras', label: 'Cameras', icon: () => <CameraIcon />, render: () => <CamerasPage />, shown: admins },
  { id: 'settings', label: 'Settings', icon: () => <SettingsIcon />, render: () => <SettingsPage />, shown: admins },
  { id: 'users', label: 'Users', icon: () => <UsersIcon />, render: () => <UsersPage />, shown: admins },
  { id: 'audit', label: 'Audit', icon: () => <AuditIcon />, render: () => <AuditPage />, shown: admins },
  { id: 'account', label: 'Account', icon: (me) => <AccountBadge name={me.me.user.username} />, render: () => <AccountPage />, shown: everyone, bottom: true },
];

export function App(): React.JSX.Element {
  return (
    <SignInGate>
      <Frame />
    </SignInGate>
  );
}

function Frame(): React.JSX.Element {
  const me = useMe();
  const route = useHashRoute();
  const pages = PAGES.filter((p) => p.shown(me));
  const page = pages.find((p) => p.id === route.page);
  // An unknown route (or none, or one this person may not use) shows Live and says so in the address bar.
  useEffect(() => {
    if (!page) navigate('#/live', { replace: true });
  }, [page]);
  const current = page ?? pages[0];
  const item = (p: PageEntry) => (
    <a key={p.id} className="kw-rail__item" href={`#/${p.id}`} aria-current={p.id === current.id ? 'page' : undefined} data-testid={`nav-${p.id}`} title={p.id === 'account' ? `${me.me.user.username}: account` : undefined}>
      {p.icon(me)}
      <span className={p.id === 'account' ? 'kw-rail__name' : undefined}>{p.id === 'account' ? me.me.user.username : p.label}</span>
    </a>
  );
  return (
    <div className="kw-app" data-page={current.id} data-role={me.me.user.role}>
      <nav className="kw-rail" aria-label="Main">
        <a className="kw-rail__brand" href="#/live" aria-label="Keepwatch" title="Keepwatch">
          <LogoMark />
        </a>
        {pages.filter((p) => !p.bottom).map(item)}
        <span className="kw-rail__spacer" />
        {pages.filter((p) => p.bottom).map(item)}
        {me.me.via === 'session' && (
          <button type="button" className="kw-rail__item kw-rail__item--button kw-rail__item--wide-only" onClick={() => void me.signOut()} data-testid="nav-sign-out" title="Sign out">
            <SignOutIcon />
            <span>Sign out</span>
          </button>
        )}
      </nav>
      <main className="kw-main" id="main">
        {current.render(route)}
      </main>
    </div>
  );
}
