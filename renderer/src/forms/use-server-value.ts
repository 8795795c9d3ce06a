/**
 * A value read from the engine and kept fresh: loaded at once, then every
 * `intervalMs` (never two requests at a time), and right away after the page
 * changes something (`refresh`). Pages show what the server says, never a
 * guess: there is no optimistic state here.
 *
 * A failed poll keeps the last good value and reports the error, so a brief
 * hiccup shows a banner instead of blanking the page. Polling pauses while
 * the document is hidden and catches up when it is shown again.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Result } from '../../../preload/api.ts';

export interface ServerValue<T> {
  /** The last value the server returned; null until the first answer. */
  value: T | null;
  /** The last poll's error, cleared by the next success. */
  error: string | null;
  /** True until the first answer (value or error) arrives. */
  loading: boolean;
  /** Fetch now; resolves when the new value is in. */
  refresh: () => Promise<void>;
}

export function useServerValue<T>(load: () => Promise<Result<T>>, intervalMs = 2000): ServerValue<T> {
  const [state, setState] = useState<{ value: T | null; error: string | null; loading: boolean }>({ value: null, error: null, loading: true });
  const loadRef = useRef(load);
  loadRef.current = load;
  const inFlight = useRef<Promise<void> | null>(null);
  const again = useRef(false);
  const alive = useRef(true);

  const fetchOnce = useCallback(async (): Promise<void> => {
    const r = await loadRef.current();
    if (!alive.current) return;
    setState((s) => (r.ok ? { value: r.value, error: null, loading: false } : { value: s.value, error: r.error.message, loading: false }));
  }, []);

  // One request at a time; a refresh asked for during a request runs right after it,
  // so what the page shows after a change is never older than the change.
  const refresh = useCallback((): Promise<void> => {
    if (inFlight.current) {
      again.current = true;
      return inFlight.current;
    }
    const run = (async () => {
      do {
        again.current = false;
        await fetchOnce();
      } while (again.current && alive.current);
      inFlight.current = null;
    })();
    inFlight.current = run;
    return run;
  }, [fetchOnce]);

  useEffect(() => {
    alive.current = true;
    void refresh();
    const timer = setInterval(() => {
      if (document.visibilityState !== 'hidden') void refresh();
    }, intervalMs);
    const onVisible = () => {
      if (document.visibilityState === 'visible') void refresh();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      alive.current = false;
      clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [intervalMs, refresh]);

  return { ...state, refresh };
}
