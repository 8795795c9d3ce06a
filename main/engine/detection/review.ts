/**
 * Grouping a camera's activity into review items (pure; the service stores
 * them). One item is one period of activity: it opens with the first motion,
 * object or ONVIF event, stays open while any of them is active, and closes
 * once nothing has been active for `gapMs` — so a person who stops for a
 * moment and walks on is one item, not three (Frigate users' "one event split
 * into many"). Its end is the last moment something was active.
 *
 * A source is any key the service chooses ("motion", "object:12",
 * "onvif:55"). A very long period (a tree in the wind all afternoon) is cut
 * into items of at most `maxLengthMs`, so each can still be reviewed and
 * exported.
 */

export interface ReviewPolicy {
  /** Activity that resumes within this long continues the same item. */
  gapMs: number;
  /** Longest item; activity beyond it opens the next one. */
  maxLengthMs: number;
  /** Footage shown/exported before the start and after the end of an item. */
  preRollMs: number;
  postRollMs: number;
}

export const DEFAULT_REVIEW_POLICY: ReviewPolicy = { gapMs: 20_000, maxLengthMs: 30 * 60_000, preRollMs: 5_000, postRollMs: 5_000 };

export interface ActivityStep {
  /** The previous item ended (at this time) before this activity. */
  ended: number | null;
  /** A new item starts with this activity. */
  opened: boolean;
}

export class ReviewGrouper {
  private current: { start: number; lastActive: number } | null = null;
  private readonly active = new Set<string>();

  constructor(private readonly policy: ReviewPolicy = DEFAULT_REVIEW_POLICY) {}

  get isOpen(): boolean {
    return this.current !== null;
  }

  get start(): number | null {
    return this.current?.start ?? null;
  }

  /**
   * `source` is active at `at` (`ongoing`: it stays active until `end`;
   * otherwise it is a single moment, e.g. an event that came with its end).
   */
  activity(source: string, at: number, ongoing = true): ActivityStep {
    const step: ActivityStep = { ended: null, opened: false };
    const cur = this.current;
    const continues =
      cur !== null && (this.active.size > 0 || at - cur.lastActive <= this.policy.gapMs) && at - cur.start < this.policy.maxLengthMs;
    if (cur && continues) {
      cur.lastActive = Math.max(cur.lastActive, at);
    } else {
      if (cur) step.ended = Math.max(cur.start, Math.min(cur.lastActive, at));
      this.current = { start: at, lastActive: at };
      step.opened = true;
    }
    if (ongoing) this.active.add(source);
    return step;
  }

  /** `source` stopped being active at `at`. */
  end(source: string, at: number): void {
    if (!this.active.delete(source)) return;
    if (this.current) this.current.lastActive = Math.max(this.current.lastActive, at);
  }

  /** Sources still active (they keep the item open). */
  activeSources(): string[] {
    return [...this.active];
  }

  /** When the open item is over (nothing active for gapMs), closes it and returns its end; else null. */
  tick(now: number): number | null {
    const cur = this.current;
    if (!cur || this.active.size > 0 || now - cur.lastActive <= this.policy.gapMs) return null;
    this.current = null;
    return cur.lastActive;
  }

  /** Ends everything now (detection stopped): returns the open item's end, or null. */
  closeAll(at: number): number | null {
    const cur = this.current;
    this.current = null;
    const hadActive = this.active.size > 0;
    this.active.clear();
    if (!cur) return null;
    return hadActive ? Math.max(cur.lastActive, at) : cur.lastActive;
  }
}

/** Labels in the order a reviewer cares about. */
const LABEL_ORDER = ['person', 'car', 'motorbike', 'bicycle', 'dog', 'cat', 'bird'];
export function sortLabels<T extends string>(labels: Iterable<T>): T[] {
  return [...new Set(labels)].sort((a, b) => LABEL_ORDER.indexOf(a) - LABEL_ORDER.indexOf(b));
}
