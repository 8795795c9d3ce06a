/** Small formatting helpers of the export UI. */
import { rawPath } from '../../../preload/raw-routes.ts';

export function exportDownloadUrl(id: number): string {
  return rawPath('exportDownload', { id });
}

/** "1 h 02 min 05 s", "12.4 s". */
export function formatDuration(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const total = Math.round(s);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = total % 60;
  return h ? `${h} h ${String(m).padStart(2, '0')} min ${String(sec).padStart(2, '0')} s` : `${m} min ${String(sec).padStart(2, '0')} s`;
}
