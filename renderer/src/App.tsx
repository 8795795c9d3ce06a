/**
 * The app frame: a navigation rail (Live, Timeline, Review, Cameras, Settings) and
 * the page of the current hash route. The same frame runs in the desktop
 * window and in a browser against the headless server.
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

interface PageEntry {
  id: string;
  label: string;
  icon: ReactNode;
  render: (route: Route) => React.JSX.Element;
}

const PAGES: PageEntry[] = [
  { id: 'live', label: 'Live', icon: <LiveIcon />, render: (route) => <LivePage route={route} /> },
  { id: 'timeline', label: 'Timeline', icon: <TimelineIcon />, render: () => <TimelinePage /> },
  { id: 'review', label: 'Review', icon: <ReviewIcon />, render: () => <ReviewPage /> },
  { id: 'cameras', label: 'Cameras', icon: <CameraIcon />, render: () => <CamerasPage /> },
  { id: 'settings', label: 'Settings', icon: <SettingsIcon />, render: () => <SettingsPage /> },
];

export function App(): React.JSX.Element {
  const route = useHashRoute();
  const page = PAGES.find((p) => p.id === route.page);
  // An unknown route (or none) shows Live and says so in the address bar.
  useEffect(() => {
    if (!page) navigate('#/live', { replace: true });
  }, [page]);
  const current = page ?? PAGES[0];
  return (
    <div className="kw-app" data-page={current.id}>
      <nav className="kw-rail" aria-label="Main">
        <a className="kw-rail__brand" href="#/live" aria-label="Keepwatch" title="Keepwatch">
          <LogoMark />
        </a>
        {PAGES.map((p) => (
          <a key={p.id} className="kw-rail__item" href={`#/${p.id}`} aria-current={p.id === current.id ? 'page' : undefined} data-testid={`nav-${p.id}`}>
            {p.icon}
            <span>{p.label}</span>
          </a>
        ))}
      </nav>
      <main className="kw-main" id="main">
        {current.render(route)}
      </main>
    </div>
  );
}
