/** What the Settings page says about storage, in plain sentences. Pure; tested in tests/ui/forms.test.ts. */
import type { StorageStatus } from '../../../../preload/api.ts';
import { formatBytes, formatCount, formatMoment } from '../../forms/format.ts';

/**
 * The plain sentence about footage deleted before its age limit:
 * "12 segments (340 MB) were deleted before their age limit to stay within the
 * disk budget and free-space floor — last on Mar 3, 14:02." (or "last at 14:02:33" today).
 * The API does not say which limit forced each deletion, so both are named
 * when a budget is set.
 */
export function earlyDeletionSentence(storage: StorageStatus, now: number = Date.now()): string {
  const { segments, bytes, lastAt } = storage.earlyDeletions;
  if (segments === 0) return 'No footage has been deleted before its age limit.';
  const why = storage.budgetBytes === null ? 'to keep the free-space floor' : 'to stay within the disk budget and free-space floor';
  const verb = segments === 1 ? 'was' : 'were';
  const today = lastAt !== null && new Date(lastAt).toDateString() === new Date(now).toDateString();
  const last = lastAt === null ? '' : ` — last ${today ? 'at' : 'on'} ${formatMoment(lastAt, now)}`;
  return `${formatCount(segments, 'segment')} (${formatBytes(bytes)}) ${verb} deleted before their age limit ${why}${last}.`;
}
