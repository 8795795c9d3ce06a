/**
 * Reconnect delays: capped exponential backoff with "equal jitter" (half fixed,
 * half random), so 16 cameras that come back at once do not all reconnect in
 * the same instant, and a camera that is down for hours is still retried every
 * few seconds.
 */
export interface BackoffOptions {
  baseMs: number;
  capMs: number;
}

export function backoffDelay(attempt: number, opts: BackoffOptions, random: () => number = Math.random): number {
  const exp = Math.min(opts.capMs, opts.baseMs * 2 ** Math.max(0, attempt));
  return Math.round(exp / 2 + random() * (exp / 2));
}
