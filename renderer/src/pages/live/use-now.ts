/** The current time, refreshed every `ms` while `running` (for "offline since … · 3 min" texts). */
import { useEffect, useState } from 'react';

export function useNow(ms: number, running = true): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!running) return;
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms, running]);
  return now;
}
