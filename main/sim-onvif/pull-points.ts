/**
 * Pull-point subscriptions of the simulated device: each has its own queue
 * and expiry (on the device's clock). PullMessages long-polls: it answers at
 * once when messages are queued, otherwise when one arrives or the requested
 * timeout passes. A reboot forgets every subscription, like a real camera.
 */
import { randomUUID } from 'node:crypto';
import type { SimNotification } from './responses.ts';

interface Subscription {
  expiresAt: number;
  queue: SimNotification[];
  waiter?: { limit: number; timer: NodeJS.Timeout; resolve: (messages: SimNotification[]) => void };
}

export interface PullPointStats {
  created: number;
  renewed: number;
  unsubscribed: number;
  pulls: number;
}

const MAX_QUEUE = 1000;

export class SimPullPoints {
  readonly stats: PullPointStats = { created: 0, renewed: 0, unsubscribed: 0, pulls: 0 };
  private readonly subscriptions = new Map<string, Subscription>();

  constructor(private readonly deviceNow: () => number) {}

  create(lifetimeMs: number, initial: SimNotification[]): { id: string; expiresAt: number } {
    this.dropExpired();
    const id = randomUUID();
    const expiresAt = this.deviceNow() + lifetimeMs;
    this.subscriptions.set(id, { expiresAt, queue: [...initial] });
    this.stats.created++;
    return { id, expiresAt };
  }

  /** New expiry, or undefined when the subscription is unknown or expired. */
  renew(id: string, lifetimeMs: number): number | undefined {
    const subscription = this.live(id);
    if (!subscription) return undefined;
    subscription.expiresAt = this.deviceNow() + lifetimeMs;
    this.stats.renewed++;
    return subscription.expiresAt;
  }

  unsubscribe(id: string): boolean {
    const subscription = this.live(id);
    if (!subscription) return false;
    this.release(subscription);
    this.subscriptions.delete(id);
    this.stats.unsubscribed++;
    return true;
  }

  expiresAt(id: string): number | undefined {
    return this.live(id)?.expiresAt;
  }

  /** Messages for one PullMessages call, or undefined when the subscription is unknown or expired. */
  pull(id: string, timeoutMs: number, limit: number): Promise<SimNotification[]> | undefined {
    const subscription = this.live(id);
    if (!subscription) return undefined;
    this.stats.pulls++;
    if (subscription.queue.length > 0 || timeoutMs <= 0) return Promise.resolve(subscription.queue.splice(0, limit));
    // A new pull replaces one still waiting (the client gave up on it).
    this.release(subscription);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        subscription.waiter = undefined;
        resolve([]);
      }, timeoutMs);
      subscription.waiter = { limit, timer, resolve };
    });
  }

  publish(message: SimNotification): void {
    this.dropExpired();
    for (const subscription of this.subscriptions.values()) {
      if (subscription.queue.length < MAX_QUEUE) subscription.queue.push(message);
      const waiter = subscription.waiter;
      if (waiter) {
        subscription.waiter = undefined;
        clearTimeout(waiter.timer);
        waiter.resolve(subscription.queue.splice(0, waiter.limit));
      }
    }
  }

  /** Active (unexpired) subscriptions. */
  count(): number {
    this.dropExpired();
    return this.subscriptions.size;
  }

  /** A reboot: every subscription is forgotten. */
  clear(): void {
    for (const subscription of this.subscriptions.values()) this.release(subscription);
    this.subscriptions.clear();
  }

  private live(id: string): Subscription | undefined {
    this.dropExpired();
    return this.subscriptions.get(id);
  }

  private release(subscription: Subscription): void {
    if (!subscription.waiter) return;
    clearTimeout(subscription.waiter.timer);
    subscription.waiter.resolve([]);
    subscription.waiter = undefined;
  }

  private dropExpired(): void {
    const now = this.deviceNow();
    for (const [id, subscription] of this.subscriptions) {
      if (subscription.expiresAt <= now) {
        this.release(subscription);
        this.subscriptions.delete(id);
      }
    }
  }
}
