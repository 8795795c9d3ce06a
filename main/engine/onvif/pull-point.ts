/**
 * A pull-point subscriber that keeps itself alive for as long as the camera is
 * added: it long-polls PullMessages, renews well before the subscription
 * expires, and after any failure (camera rebooted and forgot the subscription,
 * connection refused while it boots, a timeout) it backs off and creates a
 * fresh subscription. stop() cancels the poll in flight and unsubscribes.
 */
import { measureClockOffset } from './device.ts';
import { OnvifError, isOnvifError } from './errors.ts';
import {
  createPullPointSubscription,
  pullMessages,
  renewSubscription,
  unsubscribe,
  type PullPointSubscription,
} from './events.ts';
import type { CameraEvent } from './event-topics.ts';
import type { OnvifSession } from './session.ts';

export type PullPointStatus =
  | { state: 'subscribed'; expiresAt: number }
  | { state: 'renewed'; expiresAt: number }
  | { state: 'lost'; error: OnvifError; retryInMs: number }
  | { state: 'stopped' };

export interface PullPointOptions {
  onEvent(event: CameraEvent): void;
  onStatus?(status: PullPointStatus): void;
  /** Lifetime asked for on create and renew (default 60 s). */
  terminationSeconds?: number;
  /** How long the camera may hold each PullMessages (default 10 s; capped at a quarter of the lifetime). */
  pullTimeoutSeconds?: number;
  messageLimit?: number;
  /** First retry delay after a failure; doubles up to maxRetryDelayMs (defaults 1 s and 30 s). */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
}

export interface PullPointStats {
  created: number;
  renewed: number;
  pulls: number;
  failures: number;
}

export interface PullPointSubscriber {
  readonly stats: Readonly<PullPointStats>;
  /** Cancels the poll in flight, unsubscribes (best effort) and resolves when the loop has ended. */
  stop(): Promise<void>;
}

export function startPullPointSubscriber(session: OnvifSession, options: PullPointOptions): PullPointSubscriber {
  const terminationSeconds = options.terminationSeconds ?? 60;
  const pullTimeoutSeconds = Math.max(1, Math.min(options.pullTimeoutSeconds ?? 10, terminationSeconds / 4));
  const messageLimit = options.messageLimit ?? 32;
  const firstRetryMs = options.retryDelayMs ?? 1000;
  const maxRetryMs = options.maxRetryDelayMs ?? 30_000;
  const stats: PullPointStats = { created: 0, renewed: 0, pulls: 0, failures: 0 };
  const cancel = new AbortController();
  const signal = cancel.signal;
  let subscription: PullPointSubscription | undefined;

  const report = (status: PullPointStatus) => {
    try {
      options.onStatus?.(status);
    } catch {
      // A listener's bug must not kill the subscription.
    }
  };

  /** Renew once less than half the lifetime (and at least one pull plus a margin) is left. */
  const renewDue = (sub: PullPointSubscription) =>
    Date.now() >= sub.expiresAt - Math.max((terminationSeconds * 1000) / 2, pullTimeoutSeconds * 1000 + session.timeoutMs);

  async function keepSubscribed(onSubscribed: () => void): Promise<void> {
    subscription = await createPullPointSubscription(session, terminationSeconds, signal);
    stats.created++;
    onSubscribed();
    report({ state: 'subscribed', expiresAt: subscription.expiresAt });
    while (!signal.aborted) {
      if (renewDue(subscription)) {
        subscription.expiresAt = await renewSubscription(session, subscription, terminationSeconds, signal);
        stats.renewed++;
        report({ state: 'renewed', expiresAt: subscription.expiresAt });
      }
      const result = await pullMessages(session, subscription, { timeoutSeconds: pullTimeoutSeconds, messageLimit, signal });
      stats.pulls++;
      if (result.expiresAt !== undefined) subscription.expiresAt = result.expiresAt;
      for (const event of result.events) {
        try {
          options.onEvent(event);
        } catch {
          // Same as above: one bad handler call must not stop the stream of events.
        }
      }
    }
  }

  async function run(): Promise<void> {
    let retryMs = firstRetryMs;
    while (!signal.aborted) {
      try {
        await keepSubscribed(() => {
          retryMs = firstRetryMs;
        });
      } catch (error) {
        if (signal.aborted) break;
        subscription = undefined;
        stats.failures++;
        const onvifError = isOnvifError(error) ? error : new OnvifError('BAD_RESPONSE', String(error));
        report({ state: 'lost', error: onvifError, retryInMs: retryMs });
        await sleep(retryMs, signal);
        retryMs = Math.min(retryMs * 2, maxRetryMs);
        // A camera whose clock jumped (reboot without NTP) rejects our tokens: measure it again.
        if (onvifError.code === 'AUTH_FAILED') await measureClockOffset(session).catch(() => undefined);
      }
    }
  }

  const loop = run();

  return {
    stats,
    async stop() {
      if (signal.aborted) return loop;
      cancel.abort();
      await loop;
      const last = subscription;
      subscription = undefined;
      if (last) await unsubscribe(session, last, AbortSignal.timeout(Math.min(2000, session.timeoutMs))).catch(() => undefined);
      report({ state: 'stopped' });
    },
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
