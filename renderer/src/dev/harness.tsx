/**
 * Test-only entry: mounts the Cameras or Settings page by hash (#/cameras,
 * #/settings) without the app frame, so the pages can be built and tried
 * before (or apart from) renderer/src/App.tsx. Built by tests/ui/build-harness.ts
 * into a temporary folder; never part of the shipped renderer.
 */
import { useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { CamerasPage } from '../pages/cameras/CamerasPage.tsx';
import { SettingsPage } from '../pages/settings/SettingsPage.tsx';

function Harness(): React.JSX.Element {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = () => setHash(location.hash);
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return hash.startsWith('#/settings') ? <SettingsPage /> : <CamerasPage />;
}

document.body.style.cssText = 'margin:0;background:var(--kw-bg,#0d0f12);min-height:100vh';
createRoot(document.getElementById('root')!).render(<Harness />);
