/**
 * Moves focus into a step when it appears. The dialog focuses its
 * [data-autofocus] element only when it opens; a flow that swaps steps inside
 * it has to do the same for each step, or focus is lost to <body>.
 */
import { useEffect, useRef } from 'react';

export function useFocusOnMount<T extends HTMLElement>(selector = '[data-autofocus]'): React.RefObject<T | null> {
  const ref = useRef<T>(null);
  useEffect(() => {
    const target = ref.current?.querySelector<HTMLElement>(selector);
    target?.focus();
  }, [selector]);
  return ref;
}
