/**
 * SHA-256 of recorded segment files, taken once soon after each segment is
 * indexed and reused by every export (docs/playback.md, "Integrity").
 *
 * Background work that always yields: one file at a time, read in 1 MB
 * chunks with the event loop free between them, and a rest of three times
 * the time the last file took, so it uses at most a quarter of the disk's and
 * a core's time. Start-up catches up on footage indexed before (newest first).
 * A stored hash is used only while the file keeps the size and modification
 * time it had when it was hashed. The reading is the storage module's
 * (asynchronous, so a slow disk never holds up the event loop).
 */
import type { SegmentRow, Store } from '../storage/store.ts';
import type { SegmentHashRow } from '../storage/segment-hashes.ts';
import type { Logger } from '../log.ts';
import type { Clock, TimerHandle } from '../clock.ts';

export class SourceHashes {
  private readonly queue: number[] = [];
  private readonly queued = new Set<number>();
  private running = false;
  private timer: TimerHandle | null = null;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    private readonly clock: Clock,
    private readonly background = true,
  ) {}

  /** Queues every segment not hashed yet (newest first). */
  start(): void {
    if (!this.background) return;
    for (const s of this.store.hashes.missing(100_000)) this.enqueue(s.id);
  }

  stop(): void {
    this.stopped = true;
    this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.queue.length = 0;
    this.queued.clear();
    this.wakeIdle();
  }

  onSegment(segment: SegmentRow): void {
    if (this.background) this.enqueue(segment.id, true);
  }

  /** Resolves when nothing waits to be hashed (tests, benchmarks). */
  idle(): Promise<void> {
    if (!this.queue.length && !this.running) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** The stored hash of a segment's file, if the file is unchanged since it was hashed. */
  async valid(segment: SegmentRow): Promise<SegmentHashRow | null> {
    const row = this.store.hashes.get(segment.id);
    if (!row) return null;
    const st = await this.store.files.identity(segment.file).catch(() => null);
    return st && st.size === row.bytes && Math.round(st.mtimeMs) === row.mtimeMs ? row : null;
  }

  /** Records a hash taken elsewhere (by an export that read the whole file). */
  async record(segment: SegmentRow, sha256: string): Promise<void> {
    const st = await this.store.files.identity(segment.file).catch(() => null);
    if (!st) return; // the file went meanwhile: nothing to record
    this.store.hashes.put({ segmentId: segment.id, sha256, bytes: st.size, mtimeMs: st.mtimeMs, hashedAt: this.clock.now() });
  }

  private enqueue(id: number, front = false): void {
    if (this.queued.has(id) || this.stopped) return;
    this.queued.add(id);
    if (front) this.queue.unshift(id);
    else this.queue.push(id);
    this.pump();
  }

  private pump(): void {
    if (this.running || this.timer || this.stopped) return;
    const id = this.queue.shift();
    if (id === undefined) return this.wakeIdle();
    this.queued.delete(id);
    this.running = true;
    const t0 = performance.now();
    void this.hashOne(id)
      .catch((err) => this.log.debug(`segment hash ${id}: ${(err as Error).message}`))
      .finally(() => {
        this.running = false;
        const rest = Math.min(5000, 3 * (performance.now() - t0));
        this.timer = this.clock.setTimeout(() => {
          this.timer = null;
          this.pump();
        }, rest);
      });
  }

  private async hashOne(id: number): Promise<void> {
    const segment = this.store.getSegment(id);
    if (!segment) return;
    if (await this.valid(segment)) return;
    const hashed = await this.store.files.hash(segment.file, () => this.stopped);
    if (!hashed || this.stopped) return; // changed while read (try another time), or shutting down
    const { sha256, identity } = hashed;
    this.store.hashes.put({ segmentId: id, sha256, bytes: identity.size, mtimeMs: identity.mtimeMs, hashedAt: this.clock.now() });
  }

  private wakeIdle(): void {
    if (this.queue.length || this.running) return;
    for (const w of this.idleWaiters.splice(0)) w();
  }
}
