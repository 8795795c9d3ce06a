/**
 * When motion counts: frames with moving blobs become *active* motion only
 * after they have lasted `minDurationMs` (insects, raindrops and single
 * flickers do not), and active motion ends once `quietMs` passed without any.
 * Start and end are backdated: the start is the first moving frame of the run,
 * the end the last one, so events line up with the video.
 */
export type MotionTransition = { type: 'start'; at: number } | { type: 'end'; at: number; startedAt: number };

export interface ActivityTiming {
  minDurationMs: number;
  quietMs: number;
  /** Before motion is active, a pause longer than this starts the count over. */
  candidateGapMs: number;
}

type State = { kind: 'idle' } | { kind: 'candidate' | 'active'; start: number; last: number };

export class MotionActivity {
  private state: State = { kind: 'idle' };

  constructor(public timing: ActivityTiming) {}

  get active(): boolean {
    return this.state.kind === 'active';
  }

  /** Since when motion is active (null when it is not). */
  get since(): number | null {
    return this.state.kind === 'active' ? this.state.start : null;
  }

  /** Feeds one frame: whether it had counting motion. */
  update(at: number, moving: boolean): MotionTransition | null {
    const s = this.state;
    const { quietMs, candidateGapMs } = this.timing;
    if (s.kind === 'idle') {
      if (!moving) return null;
      this.state = { kind: 'candidate', start: at, last: at };
      return this.promote();
    }
    if (s.kind === 'candidate') {
      if (at - s.last > candidateGapMs) {
        // The earlier blip was too short: this frame starts a new run (or nothing).
        this.state = moving ? { kind: 'candidate', start: at, last: at } : { kind: 'idle' };
        return moving ? this.promote() : null;
      }
      if (moving) s.last = at;
      return this.promote();
    }
    if (moving) {
      s.last = at;
      return null;
    }
    if (at - s.last >= quietMs) {
      this.state = { kind: 'idle' };
      return { type: 'end', at: s.last, startedAt: s.start };
    }
    return null;
  }

  /** Ends active motion now (detection switched off, camera removed): its end is the last moving frame. */
  finish(): MotionTransition | null {
    const s = this.state;
    this.state = { kind: 'idle' };
    return s.kind === 'active' ? { type: 'end', at: s.last, startedAt: s.start } : null;
  }

  private promote(): MotionTransition | null {
    const s = this.state;
    if (s.kind !== 'candidate' || s.last - s.start < this.timing.minDurationMs) return null;
    this.state = { kind: 'active', start: s.start, last: s.last };
    return { type: 'start', at: s.start };
  }
}
