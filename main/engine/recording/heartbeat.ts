/**
 * One timer for every recorder, instead of one each: on each slow beat (every
 * 2 s with the product's 10 s stall timeout) each recorder checks for a stall
 * (and its pipeline reads what arrived); a recorder whose stream someone
 * watches live is checked every 100 ms (latency). With 16 cameras that is one
 * wake-up every 2 s instead of sixteen a second, and an idle engine costs
 * nothing more per camera than its ffmpeg's progress reports.
 */
import type { Clock, TimerHandle } from '../clock.ts';

export interface Beating {
  /** Called on each beat that is due for it. */
  beat(): void;
  /** Whether it wants the fast beat now (a live viewer is reading its stream). */
  fast(): boolean;
}

export const SLOW_BEAT_MS = 1000;
export const FAST_BEAT_MS = 100;

/**
 * The slow beat for a stall timeout: five checks in a stall window, at most
 * one every 2 s (each beat wakes the engine; a stall is found within 1.2× its
 * timeout either way).
 */
export function slowBeatMs(stallMs: number): number {
  return Math.max(FAST_BEAT_MS * 2, Math.min(2000, Math.floor(stallMs / 5)));
}

export class Heartbeat {
  private readonly members = new Set<Beating>();
  private timer: TimerHandle | null = null;
  private lastSlowBeat: number;

  constructor(
    private readonly clock: Clock,
    private readonly slowMs = SLOW_BEAT_MS,
  ) {
    this.lastSlowBeat = clock.now();
  }

  add(member: Beating): void {
    this.members.add(member);
    if (!this.timer) this.schedule();
  }

  remove(member: Beating): void {
    this.members.delete(member);
    if (!this.members.size) this.cancel();
  }

  /** A member wants the fast beat from now on (a viewer arrived): the next beat comes at the fast pace. */
  quicken(): void {
    this.schedule();
  }

  private beat(): void {
    this.timer = null;
    const now = this.clock.now();
    // Slow members are due once per slow beat, whatever fast beats came between.
    const slowDue = now - this.lastSlowBeat >= this.slowMs - FAST_BEAT_MS / 2;
    if (slowDue) this.lastSlowBeat = now;
    for (const member of [...this.members]) if (slowDue || member.fast()) member.beat();
    this.schedule();
  }

  private schedule(): void {
    this.cancel();
    if (!this.members.size) return;
    let fast = false;
    for (const member of this.members) if ((fast = member.fast())) break;
    const wait = fast ? FAST_BEAT_MS : Math.max(FAST_BEAT_MS, this.slowMs - (this.clock.now() - this.lastSlowBeat));
    this.timer = this.clock.setTimeout(() => this.beat(), wait);
  }

  private cancel(): void {
    this.clock.clearTimeout(this.timer);
    this.timer = null;
  }
}
