/**
 * The injected clock (Moonfire's `Clocks`): recorders, retention, thumbnails,
 * exports and the index ask it for the time and for timers, so tests drive
 * time without sleeping: a ManualClock fires its timers as it is advanced.
 */
export type TimerHandle = { readonly __timer: unique symbol };

export interface Clock {
  /** Wall-clock UTC milliseconds. */
  now(): number;
  /** Calls `fn` once after `ms`. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle | null | undefined): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms) as unknown as TimerHandle,
  clearTimeout: (handle) => {
    if (handle) clearTimeout(handle as unknown as NodeJS.Timeout);
  },
};

interface ManualTimer {
  at: number;
  seq: number;
  fn: () => void;
}

/** A clock that only moves when told to, for tests. Timers fire in time order during `advance`. */
export class ManualClock implements Clock {
  private readonly timers = new Map<number, ManualTimer>();
  private seq = 0;

  constructor(private t: number) {}

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + Math.max(0, ms), seq: id, fn });
    return id as unknown as TimerHandle;
  }

  clearTimeout(handle: TimerHandle | null | undefined): void {
    if (handle !== null && handle !== undefined) this.timers.delete(handle as unknown as number);
  }

  /** Timers waiting to fire. */
  get pending(): number {
    return this.timers.size;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way (also ones set by those timers). */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let next: [number, ManualTimer] | null = null;
      for (const entry of this.timers) {
        if (entry[1].at > end) continue;
        if (!next || entry[1].at < next[1].at || (entry[1].at === next[1].at && entry[1].seq < next[1].seq)) next = entry;
      }
      if (!next) break;
      this.timers.delete(next[0]);
      this.t = Math.max(this.t, next[1].at);
      next[1].fn();
    }
    this.t = end;
  }

  /** Jumps to a time without firing timers (a wall-clock step). */
  set(ms: number): void {
    this.t = ms;
  }
}
