/**
 * A small hash router: `#/live`, `#/live/12` (camera 12 maximised),
 * `#/timeline?camera=3`, `#/cameras`, `#/settings`. Hash URLs work the same
 * in the desktop window and in a browser against the headless server (no
 * server-side routes), and survive a reload.
 */
import { useEffect, useState } from 'react';

export interface Route {
  /** First path segment: live, timeline, cameras, settings. */
  page: string;
  /** The remaining path segments. */
  rest: string[];
  query: URLSearchParams;
}

export const DEFAULT_HASH = '#/live';

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#\/?/, '');
  const [path, search = ''] = raw.split('?', 2);
  const segments = path.split('/').filter(Boolean).map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
  return { page: segments[0] ?? '', rest: segments.slice(1), query: new URLSearchParams(search) };
}

/** Goes to a hash route; `replace` keeps the back button from stopping at it. */
export function navigate(hash: string, opts: { replace?: boolean } = {}): void {
  const target = hash.startsWith('#') ? hash : `#${hash}`;
  if (location.hash === target) return;
  if (opts.replace) {
    history.replaceState(null, '', target);
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  } else {
    location.hash = target;
  }
}

export function useHashRoute(): Route {
  const [hash, setHash] = useState(() => location.hash || DEFAULT_HASH);
  useEffect(() => {
    const onChange = () => setHash(location.hash || DEFAULT_HASH);
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return parseHash(hash);
}
