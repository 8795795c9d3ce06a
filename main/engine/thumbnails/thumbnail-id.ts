/**
 * Thumbnail ids: `<segment id>-<slot>`. Deterministic, so the timeline can name
 * a thumbnail before its JPEG exists; the thumbnail route makes it on first
 * request. Never a path.
 */
export function thumbnailId(segmentId: number, slot: number): string {
  return `${segmentId}-${slot}`;
}

export function parseThumbnailId(id: string): { segmentId: number; slot: number } | null {
  const m = /^([1-9]\d{0,15})-(\d{1,5})$/.exec(id);
  if (!m) return null;
  const segmentId = Number(m[1]);
  const slot = Number(m[2]);
  return Number.isSafeInteger(segmentId) ? { segmentId, slot } : null;
}
