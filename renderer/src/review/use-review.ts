/**
 * The review items for the current filters: fetched when the filters change
 * and every few seconds after (new activity appears by itself). An answer to
 * older filters is thrown away; a failed poll keeps the last list and says so.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ReviewItem } from '../../../preload/api.ts';
import { api } from '../api/index.ts';
import { toQuery, type ReviewFilters } from './review-filters.ts';

export interface ReviewList {
  items: ReviewItem[] | null;
  error: string | null;
  loading: boolean;
  refresh: () => Promise<void>;
}

export function useReview(filters: ReviewFilters, intervalMs = 4000): ReviewList {
  const [state, setState] = useState<{ items: ReviewItem[] | null; error: string | null; loading: boolean }>({ items: null, error: null, loading: true });
  const key = JSON.stringify(filters);
  const seq = useRef(0);
  const filtersRef = useRef(filters);
  filtersRef.current = filters;

  const fetchNow = useCallback(async () => {
    const id = ++seq.current;
    const r = await api.listReview(toQuery(filtersRef.current, Date.now()));
    if (id !== seq.current) return;
    setState((s) => (r.ok ? { items: r.value, error: null, loading: false } : { items: s.items, error: r.error.message, loading: false }));
  }, []);

  useEffect(() => {
    setState({ items: null, error: null, loading: true });
    void fetchNow();
    const timer = setInterval(() => {
      if (document.visibilityState !== 'hidden') void fetchNow();
    }, intervalMs);
    return () => {
      clearInterval(timer);
      ++seq.current;
    };
  }, [key, intervalMs, fetchNow]);

  return { ...state, refresh: fetchNow };
}
