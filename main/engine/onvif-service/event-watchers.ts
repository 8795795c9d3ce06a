/**
 * One pull-point subscriber per enabled ONVIF camera with an events service:
 * started with the camera, restarted when its address or login changes,
 * stopped (and unsubscribed) when it is disabled or removed and at shutdown.
 *
 * The subscriber in ../onvif/pull-point.ts heals itself once it has a session
 * (renewals, camera reboots). Getting that first session is this file's job:
 * a camera that is off when Keepwatch starts is retried with backoff.
 */
import { connectDevice, startPullPointSubscriber, type PullPointOptions, type PullPointSubscriber } from '../onvif/index.ts';
import type { OnvifEventsState } from '../../../preload/api.ts';
import type { Logger } from '../log.ts';
import type { Store } from '../storage/store.ts';
import type { DeviceSessions } from './device-sessions.ts';
import type { EventLog } from './event-log.ts';

export type SubscriberTuning = Pick<PullPointOptions, 'terminationSeconds' | 'pullTimeoutSeconds' | 'retryDelayMs' | 'maxRetryDelayMs'>;

interface WatcherDeps {
  store: Store;
  sessions: DeviceSessions;
  eventLog: EventLog;
  log: Logger;
  now: () => number;
  tuning: SubscriberTuning;
}

export class EventWatchers {
  private readonly watchers = new Map<number, Watcher>();

  constructor(private readonly deps: WatcherDeps) {}

  /** Brings one camera's subscriber in line with the store. */
  async sync(cameraId: number): Promise<void> {
    const wanted = this.wanted(cameraId);
    const running = this.watchers.get(cameraId);
    if (running && running.fingerprint === wanted) return;
    if (running) {
      this.watchers.delete(cameraId);
      await running.stop();
    }
    if (wanted) {
      const watcher = new Watcher(cameraId, wanted, this.deps);
      this.watchers.set(cameraId, watcher);
      watcher.start();
    }
  }

  async stop(cameraId: number): Promise<void> {
    const running = this.watchers.get(cameraId);
    this.watchers.delete(cameraId);
    await running?.stop();
  }

  async stopAll(): Promise<void> {
    const all = [...this.watchers.values()];
    this.watchers.clear();
    await Promise.all(all.map((w) => w.stop()));
  }

  status(cameraId: number): { state: OnvifEventsState; lastError: string | null } {
    const watcher = this.watchers.get(cameraId);
    return watcher ? { state: watcher.state, lastError: watcher.lastError } : { state: 'off', lastError: null };
  }

  /** The fingerprint a running watcher must have, or null when the camera should have none. */
  private wanted(cameraId: number): string | null {
    const camera = this.deps.store.getCamera(cameraId);
    const device = camera?.enabled ? this.deps.store.onvif.getDevice(cameraId) : null;
    if (!device?.hasEvents) return null;
    try {
      return this.deps.sessions.login(cameraId).fingerprint;
    } catch {
      return null;
    }
  }
}

class Watcher {
  state: OnvifEventsState = 'connecting';
  lastError: string | null = null;
  private stopped = false;
  private subscriber: PullPointSubscriber | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryMs: number;
  private connecting: Promise<void> | null = null;

  constructor(
    readonly cameraId: number,
    readonly fingerprint: string,
    private readonly deps: WatcherDeps,
  ) {
    this.retryMs = deps.tuning.retryDelayMs ?? 1000;
  }

  start(): void {
    // Anything still open is from a run that ended without closing it (a crash).
    this.deps.eventLog.closeDangling(this.cameraId);
    this.connecting = this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.connecting;
    await this.subscriber?.stop();
    this.subscriber = null;
    this.deps.eventLog.stopListening(this.cameraId, this.deps.now());
  }

  private async connect(): Promise<void> {
    try {
      const login = this.deps.sessions.login(this.cameraId);
      const session = await connectDevice(login.connect);
      if (this.stopped) return;
      this.subscriber = startPullPointSubscriber(session, {
        ...this.deps.tuning,
        onEvent: (event) => {
          try {
            const what = this.deps.eventLog.record(this.cameraId, event);
            if (what !== 'ignored') this.deps.log.debug(`camera ${this.cameraId}: ${event.kind} event ${what}`);
          } catch (error) {
            // The camera was removed under us: its subscriber is being stopped.
            this.deps.log.debug(`camera ${this.cameraId}: event not stored: ${(error as Error).message}`);
          }
        },
        onStatus: (status) => {
          if (status.state === 'subscribed' || status.state === 'renewed') {
            if (this.state !== 'subscribed') this.deps.log.info(`camera ${this.cameraId}: subscribed to camera events`);
            this.state = 'subscribed';
            this.lastError = null;
          } else if (status.state === 'lost') {
            if (this.state !== 'lost') this.deps.log.warn(`camera ${this.cameraId}: event subscription lost: ${status.error.message}`);
            this.state = 'lost';
            this.lastError = status.error.message;
          }
        },
      });
    } catch (error) {
      if (this.stopped) return;
      const message = (error as Error).message;
      // Once per distinct problem: a camera that stays off must not fill the log every 30 s.
      if (message !== this.lastError) this.deps.log.warn(`camera ${this.cameraId}: cannot reach the camera for events (retrying): ${message}`);
      this.state = 'lost';
      this.lastError = message;
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        if (!this.stopped) this.connecting = this.connect();
      }, this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, this.deps.tuning.maxRetryDelayMs ?? 30_000);
    }
  }
}
