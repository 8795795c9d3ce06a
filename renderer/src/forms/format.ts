/**
 * How numbers the engine reports are written for people: sizes, spans of
 * footage, moments, stream formats. Sizes: `formatBytes` and `GB` of
 * preload/format-bytes.ts (SI units, the one implementation), so a value typed
 * in "GB" on the Settings page reads back as the same "GB".
 */

export { GB, formatBytes } from '../../../preload/format-bytes.ts';
import { GB } from '../../../preload/format-bytes.ts';

/** A GB figure for an input box: 2, 50, 1.5, and 0.00042 for tiny test budgets (never a misleading "0"). */
export function bytesToGbText(bytes: number): string {
  const gb = bytes / GB;
  if (gb === 0 || gb >= 0.01) return trimZeros(gb.toFixed(2));
  // Two significant digits in plain notation (toPrecision would switch to "9.3e-10").
  return trimZeros(gb.toFixed(Math.min(20, 1 - Math.floor(Math.log10(gb)))));
}

/**
 * How long a stretch of footage is, in the unit a person thinks in:
 * "under a minute", "12 min", "5.2 hours", "3.4 days", "41 days".
 */
export function formatSpanDays(days: number): string {
  const minutes = days * 24 * 60;
  if (!Number.isFinite(days) || minutes < 1) return 'under a minute';
  if (minutes < 60) return `${Math.floor(minutes)} min`;
  const hours = minutes / 60;
  if (hours < 24) return `${trimZeros(hours.toFixed(hours < 10 ? 1 : 0))} ${hours < 1.05 ? 'hour' : 'hours'}`;
  return `${trimZeros(days.toFixed(days < 10 ? 1 : 0))} ${days < 1.05 ? 'day' : 'days'}`;
}

/** A retention limit in days: "1 day", "30 days", "0.5 days". */
export function formatDayLimit(days: number): string {
  return `${trimZeros(days.toFixed(2))} ${days === 1 ? 'day' : 'days'}`;
}

/** A moment in local time: "14:02:33" today, "Mar 3, 14:02" otherwise. */
export function formatMoment(ms: number, now: number = Date.now()): string {
  const d = new Date(ms);
  const today = new Date(now);
  const sameDay = d.toDateString() === today.toDateString();
  const time = d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: sameDay ? '2-digit' : undefined, hour12: false });
  if (sameDay) return time;
  const day = d.toLocaleDateString(undefined, { month: 'short', day: 'numeric', year: d.getFullYear() === today.getFullYear() ? undefined : 'numeric' });
  return `${day}, ${time}`;
}

/** "in 4 s", "in 2 min", "now". */
export function formatCountdown(targetMs: number, now: number = Date.now()): string {
  const s = Math.round((targetMs - now) / 1000);
  if (s <= 0) return 'now';
  if (s < 60) return `in ${s} s`;
  return `in ${Math.round(s / 60)} min`;
}

/** "3 min ago", "2 hours ago", "just now". */
export function formatAgo(ms: number, now: number = Date.now()): string {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 10) return 'just now';
  if (s < 60) return `${s} s ago`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h} ${h === 1 ? 'hour' : 'hours'} ago`;
  return `${Math.round(h / 24)} days ago`;
}

/** ffprobe codec names as people know them. */
export function formatCodec(codec: string | null): string | null {
  if (!codec) return null;
  const known: Record<string, string> = { h264: 'H.264', hevc: 'H.265', h265: 'H.265', mjpeg: 'MJPEG', aac: 'AAC', pcm_mulaw: 'G.711µ', pcm_alaw: 'G.711A' };
  return known[codec.toLowerCase()] ?? codec.toUpperCase();
}

export function formatResolution(width: number | null, height: number | null): string | null {
  return width && height ? `${width}×${height}` : null;
}

export function formatCount(n: number, singular: string, plural = `${singular}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? singular : plural}`;
}

function trimZeros(s: string): string {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}
