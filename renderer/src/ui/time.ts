/** Short, human times for status lines ("since 14:02 · 3 min"). */

/** "14:02" today, "Mon 14:02" this week, else "12 Mar 14:02" (local time). */
export function clockTime(ms: number, now = Date.now()): string {
  const d = new Date(ms);
  const hm = d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  const today = new Date(now);
  if (d.toDateString() === today.toDateString()) return hm;
  if (now - ms < 6 * 86_400_000) return `${d.toLocaleDateString(undefined, { weekday: 'short' })} ${hm}`;
  return `${d.toLocaleDateString(undefined, { day: 'numeric', month: 'short' })} ${hm}`;
}

/** "12 s", "3 min", "2 h 5 min", "4 d". */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  return `${Math.floor(h / 24)} d`;
}

/** "since 14:02 · 3 min". */
export function since(ms: number, now = Date.now()): string {
  return `since ${clockTime(ms, now)} · ${duration(now - ms)}`;
}
