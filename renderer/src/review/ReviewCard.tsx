/**
 * One review item: its picture, alert or detection, what was seen and where,
 * when and how long, and what can be done with it.
 */
import { forwardRef, useState } from 'react';
import type { ReviewItem } from '../../../preload/api.ts';
import { rawPath } from '../../../preload/raw-routes.ts';
import { labelName } from '../detection/labels.ts';
import { clockTime, duration } from '../ui/time.ts';

export function reviewThumbnailUrl(item: Pick<ReviewItem, 'id' | 'thumbnailId'>): string {
  // The thumbnail id changes when a better picture is chosen: part of the URL, so the browser refetches.
  return `${rawPath('reviewThumbnail', { id: item.id })}?v=${encodeURIComponent(item.thumbnailId ?? '')}`;
}

export interface ReviewCardProps {
  item: ReviewItem;
  cameraName: string;
  zoneName: (id: string) => string;
  active: boolean;
  now: number;
  onFocus: () => void;
  onOpen: () => void;
  onToggleReviewed: () => void;
  /** Absent when the person may not export this camera's footage: no button then. */
  onExport?: () => void;
  busy: boolean;
}

export const ReviewCard = forwardRef<HTMLElement, ReviewCardProps>(function ReviewCard(props, ref) {
  const { item, cameraName, zoneName, active, now, onFocus, onOpen, onToggleReviewed, onExport, busy } = props;
  const [broken, setBroken] = useState(false);
  const open = item.end === null;
  const what = item.labels.length ? item.labels.map(labelName).join(', ') : item.onvif.length ? `Camera: ${item.onvif.join(', ')}` : 'Motion';
  const title = `${item.severity === 'alert' ? 'Alert' : 'Detection'}: ${what} on ${cameraName} at ${clockTime(item.start, now)}`;
  return (
    <article
      ref={ref}
      className={`kwr-card kwr-card--${item.severity}${item.reviewed ? ' is-reviewed' : ''}${active ? ' is-active' : ''}`}
      aria-label={title}
      aria-current={active ? 'true' : undefined}
      tabIndex={active ? 0 : -1}
      onFocus={onFocus}
      onClick={onFocus}
      onDoubleClick={onOpen}
      data-testid="review-item"
      data-review-id={item.id}
      data-severity={item.severity}
      data-reviewed={item.reviewed}
    >
      <button type="button" className="kwr-card__picture" onClick={onOpen} tabIndex={-1} aria-label={`Open in the timeline: ${title}`}>
        {item.thumbnailId && !broken ? (
          <img src={reviewThumbnailUrl(item)} alt="" loading="lazy" onError={() => setBroken(true)} data-testid="review-thumbnail" />
        ) : (
          <span className="kwr-card__nopic">{item.thumbnailId ? 'Picture unavailable' : open ? 'Picture coming…' : 'No picture'}</span>
        )}
        <span className={`kwr-badge kwr-badge--${item.severity}`}>{item.severity === 'alert' ? 'Alert' : 'Detection'}</span>
        {open && <span className="kwr-live">● ongoing</span>}
      </button>
      <div className="kwr-card__body">
        <div className="kwr-card__line">
          <span className="kwr-card__what">{what}</span>
          {item.reviewed && (
            <span className="kwr-card__done" title="Reviewed">
              ✓ Reviewed
            </span>
          )}
        </div>
        <div className="kwr-card__meta">
          <span className="kwr-card__camera">{cameraName}</span>
          <span>{clockTime(item.start, now)}</span>
          <span>{open ? duration(now - item.start) : duration(item.end! - item.start)}</span>
        </div>
        {item.zones.length > 0 && (
          <div className="kwr-card__zones">
            {item.zones.map((z) => (
              <span key={z} className="kwr-zone">
                {zoneName(z)}
              </span>
            ))}
          </div>
        )}
        <div className="kwr-card__actions">
          <button type="button" className="kwf-btn kwf-btn--small" onClick={onOpen} data-testid="review-open">
            Timeline
          </button>
          {onExport && (
            <button type="button" className="kwf-btn kwf-btn--small kwf-btn--ghost" onClick={onExport} data-testid="review-export">
              Export
            </button>
          )}
          <button type="button" className="kwf-btn kwf-btn--small kwf-btn--ghost" onClick={onToggleReviewed} disabled={busy} aria-pressed={item.reviewed} data-testid="review-mark">
            {item.reviewed ? 'Unmark' : 'Mark reviewed'}
          </button>
        </div>
      </div>
    </article>
  );
});
