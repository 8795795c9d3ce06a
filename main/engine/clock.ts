/**
 * The injected clock (Moonfire's `Clocks`): recorders, retention and the index
 * ask it for the time, so tests can drive time without sleeping.
 */
export interface Clock {
  /** Wall-clock UTC milliseconds. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to, for tests. */
export class ManualClock implements Clock {
  constructor(private t: number) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
  set(ms: number): void {
    this.t = ms;
  }
}
