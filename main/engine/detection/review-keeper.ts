/**
 * One camera's review items in the store: the ReviewGrouper decides when an
 * item opens and closes; this keeps the open item's row up to date (labels,
 * zones, ONVIF kinds, severity, linked events) and tells the service when an
 * item opened, changed, became an alert or closed.
 */
import type { ObjectLabel } from '../../../preload/contract/detection.ts';
import type { DetectionIndex, ReviewRecord } from '../storage/detection-index.ts';
import { ReviewGrouper, sortLabels, type ReviewPolicy } from './review.ts';

export interface ActivityDetail {
  eventId?: number;
  label?: ObjectLabel;
  zones?: readonly string[];
  /** This activity makes the item an alert. */
  alert?: boolean;
  /** An ONVIF event kind ("motion", "tamper"). */
  onvif?: string;
}

export interface ReviewHooks {
  opened(item: ReviewRecord): void;
  changed(item: ReviewRecord): void;
  /** The item just became an alert (once per item). */
  alerted(item: ReviewRecord): void;
  closed(item: ReviewRecord): void;
}

interface OpenItem {
  id: number;
  severity: 'alert' | 'detection';
  labels: Set<ObjectLabel>;
  zones: Set<string>;
  onvif: Set<string>;
  thumbnailScore: number | null;
  hasThumbnail: boolean;
  thumbnailBusy: boolean;
}

export class ReviewKeeper {
  private readonly grouper: ReviewGrouper;
  private open: OpenItem | null = null;
  private thumbnailSeq = 0;

  constructor(
    readonly cameraId: number,
    private readonly index: DetectionIndex,
    private readonly hooks: ReviewHooks,
    policy: ReviewPolicy,
  ) {
    this.grouper = new ReviewGrouper(policy);
  }

  get currentId(): number | null {
    return this.open?.id ?? null;
  }

  activity(source: string, at: number, detail: ActivityDetail = {}, ongoing = true): number {
    const step = this.grouper.activity(source, at, ongoing);
    if (step.ended !== null) this.closeOpen(step.ended);
    if (step.opened || !this.open) {
      const id = this.index.insertReview({ cameraId: this.cameraId, start: at, severity: 'detection', labels: [], zones: [], onvif: [] });
      this.open = { id, severity: 'detection', labels: new Set(), zones: new Set(), onvif: new Set(), thumbnailScore: null, hasThumbnail: false, thumbnailBusy: false };
      this.hooks.opened(this.snapshot());
    }
    this.merge(detail);
    return this.open.id;
  }

  end(source: string, at: number): void {
    this.grouper.end(source, at);
  }

  /** Closes the item once the camera has been quiet long enough. */
  tick(now: number): void {
    const end = this.grouper.tick(now);
    if (end !== null) this.closeOpen(end);
  }

  /** Detection stopped: what is open ends now. */
  closeAll(at: number): void {
    const end = this.grouper.closeAll(at);
    if (end !== null) this.closeOpen(end);
  }

  /**
   * Whether a frame should become the open item's picture: it has none yet,
   * or this sighting scores clearly better. Reserves the slot (call
   * thumbnailDone afterwards either way).
   */
  claimThumbnail(score: number | null): { id: number; seq: number } | null {
    const o = this.open;
    if (!o || o.thumbnailBusy || !this.wouldImprove(score)) return null;
    o.thumbnailBusy = true;
    return { id: o.id, seq: ++this.thumbnailSeq };
  }

  /** Whether a picture with this score would be better than the open item's (busy or not). */
  wouldImprove(score: number | null): boolean {
    const o = this.open;
    if (!o) return false;
    return !o.hasThumbnail || (score !== null && (o.thumbnailScore === null || score > o.thumbnailScore + 0.05));
  }

  thumbnailDone(id: number, stored: boolean, score: number | null): void {
    const o = this.open;
    if (!o || o.id !== id) return;
    o.thumbnailBusy = false;
    if (stored) {
      o.hasThumbnail = true;
      if (score !== null) o.thumbnailScore = Math.max(o.thumbnailScore ?? 0, score);
    }
  }

  private merge(detail: ActivityDetail): void {
    const o = this.open!;
    let changed = false;
    if (detail.eventId !== undefined) this.index.linkEvent(o.id, detail.eventId);
    if (detail.label && !o.labels.has(detail.label)) {
      o.labels.add(detail.label);
      changed = true;
    }
    for (const z of detail.zones ?? []) {
      if (o.zones.has(z)) continue;
      o.zones.add(z);
      changed = true;
    }
    if (detail.onvif && !o.onvif.has(detail.onvif)) {
      o.onvif.add(detail.onvif);
      changed = true;
    }
    const alerted = detail.alert === true && o.severity !== 'alert';
    if (alerted) {
      o.severity = 'alert';
      changed = true;
    }
    if (!changed) return;
    this.index.updateReview(o.id, { severity: o.severity, labels: sortLabels(o.labels), zones: [...o.zones].sort(), onvif: [...o.onvif].sort() });
    this.hooks.changed(this.snapshot());
    if (alerted) this.hooks.alerted(this.snapshot());
  }

  private snapshot(): ReviewRecord {
    return this.index.getReview(this.open!.id)!;
  }

  private closeOpen(end: number): void {
    const o = this.open;
    if (!o) return;
    this.open = null;
    this.index.endReview(o.id, end);
    const item = this.index.getReview(o.id);
    if (item) this.hooks.closed(item);
  }
}
