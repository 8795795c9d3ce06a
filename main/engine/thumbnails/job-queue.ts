/**
 * A tiny work queue: one job at a time, requests before background work, a
 * bounded background backlog (the oldest background job is dropped when it is
 * full: a thumbnail nobody asked for can always be made later, on request),
 * and a pause between background jobs so they never crowd out recording.
 */
import { systemClock, type Clock, type TimerHandle } from '../clock.ts';

export interface QueueOptions {
  maxBackground: number;
  backgroundPauseMs: number;
}

interface Job<T> {
  key: string;
  run: () => Promise<T>;
  waiters: { resolve: (v: T) => void; reject: (e: Error) => void }[];
}

export class JobQueue<T> {
  private readonly urgent: Job<T>[] = [];
  private readonly background: Job<T>[] = [];
  private readonly byKey = new Map<string, Job<T>>();
  private running = false;
  private stopped = false;
  private timer: TimerHandle | null = null;

  constructor(
    private readonly options: QueueOptions,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Runs (or joins) the job for `key`; requested jobs go before background ones. */
  request(key: string, run: () => Promise<T>): Promise<T> {
    if (this.stopped) return Promise.reject(new Error('stopped'));
    return new Promise<T>((resolve, reject) => {
      let job = this.byKey.get(key);
      if (job) {
        // Promote a queued background job.
        const i = this.background.indexOf(job);
        if (i >= 0) {
          this.background.splice(i, 1);
          this.urgent.push(job);
        }
      } else {
        job = { key, run, waiters: [] };
        this.byKey.set(key, job);
        this.urgent.push(job);
      }
      job.waiters.push({ resolve, reject });
      this.pump();
    });
  }

  /** Queues a job nobody waits for, if not already queued. */
  enqueueBackground(key: string, run: () => Promise<T>): void {
    if (this.stopped || this.byKey.has(key)) return;
    const job: Job<T> = { key, run, waiters: [] };
    this.byKey.set(key, job);
    this.background.push(job);
    while (this.background.length > this.options.maxBackground) this.byKey.delete(this.background.shift()!.key);
    this.pump();
  }

  /** Whether a job for `key` is queued or running. */
  has(key: string): boolean {
    return this.byKey.has(key);
  }

  get size(): number {
    return this.urgent.length + this.background.length + (this.running ? 1 : 0);
  }

  /** Drops every queued job whose key matches (their waiters get `reason`); a running job is the caller's to abort. */
  cancel(matches: (key: string) => boolean, reason: Error): void {
    for (const list of [this.urgent, this.background]) {
      for (let i = list.length - 1; i >= 0; i--) {
        const job = list[i];
        if (!matches(job.key)) continue;
        list.splice(i, 1);
        this.byKey.delete(job.key);
        for (const w of job.waiters) w.reject(reason);
      }
    }
  }

  stop(): void {
    this.stopped = true;
    this.clock.clearTimeout(this.timer);
    for (const job of [...this.urgent, ...this.background]) for (const w of job.waiters) w.reject(new Error('stopped'));
    this.urgent.length = 0;
    this.background.length = 0;
    this.byKey.clear();
  }

  private pump(): void {
    if (this.running || this.stopped) return;
    if (this.timer) {
      if (!this.urgent.length) return; // resting between background jobs
      this.clock.clearTimeout(this.timer); // a request does not wait for the rest
      this.timer = null;
    }
    const job = this.urgent.shift() ?? this.background.shift();
    if (!job) return;
    const isBackground = job.waiters.length === 0;
    this.running = true;
    job
      .run()
      .then(
        (v) => job.waiters.forEach((w) => w.resolve(v)),
        (e: Error) => job.waiters.forEach((w) => w.reject(e)),
      )
      .finally(() => {
        this.byKey.delete(job.key);
        this.running = false;
        if (isBackground && this.options.backgroundPauseMs > 0 && !this.urgent.length) {
          this.timer = this.clock.setTimeout(() => {
            this.timer = null;
            this.pump();
          }, this.options.backgroundPauseMs);
        } else this.pump();
      });
  }
}
