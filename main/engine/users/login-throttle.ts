/**
 * Login slow-down: failures per account and per client address make the next
 * attempt wait, growing exponentially, and decay over time. There is never a
 * lock-out: the per-account wait is capped low (~2 s) so an attacker guessing
 * the owner's password cannot keep the owner out, while the per-address wait
 * goes higher (~10 s) and only slows that address down.
 *
 * An attempt counts as a failure from the moment it starts (so a burst of
 * parallel attempts escalates like a sequence of them) until it succeeds;
 * at most a few attempts per address run at once. Success forgives what that
 * account failed from that address — not the failures of other accounts from
 * the same address, so logging in to one's own account does not reset an
 * attack on another.
 *
 * Pure: the clock is a function, nothing waits here (the user service does
 * the waiting). Memory is bounded: each table keeps at most `maxEntries`
 * keys and drops the least recently touched.
 */

export interface ThrottleOptions {
  now: () => number;
  /** Failures of an account that cost nothing (typos). */
  accountFree?: number;
  /** Failures from one address that cost nothing (several people behind one proxy). */
  addressFree?: number;
  /** The first wait; each further failure doubles it. */
  baseDelayMs?: number;
  accountCapMs?: number;
  addressCapMs?: number;
  /** Failures halve in this time. */
  halfLifeMs?: number;
  maxEntries?: number;
  /** Attempts of one address running at once; more are refused without a password check. */
  maxInFlightPerAddress?: number;
}

interface Counter {
  /** Decayed failure count as of `at`. */
  score: number;
  at: number;
  inFlight: number;
}

export interface Attempt {
  /** How long to wait before checking the password. */
  delayMs: number;
  /** False: too many attempts of this address at once; answer "wrong username or password" without checking. */
  admitted: boolean;
  /** Call once with the outcome (a refused attempt counts as failed). */
  done(success: boolean): void;
}

export class LoginThrottle {
  private readonly now: () => number;
  private readonly opts: Required<Omit<ThrottleOptions, 'now'>>;
  private readonly accounts = new Map<string, Counter>();
  private readonly addresses = new Map<string, Counter>();
  /** Failures of one account from one address: what a success there forgives. */
  private readonly pairs = new Map<string, Counter>();

  constructor(options: ThrottleOptions) {
    this.now = options.now;
    this.opts = {
      accountFree: options.accountFree ?? 3,
      addressFree: options.addressFree ?? 10,
      baseDelayMs: options.baseDelayMs ?? 250,
      accountCapMs: options.accountCapMs ?? 2_000,
      addressCapMs: options.addressCapMs ?? 10_000,
      halfLifeMs: options.halfLifeMs ?? 5 * 60_000,
      maxEntries: options.maxEntries ?? 10_000,
      maxInFlightPerAddress: options.maxInFlightPerAddress ?? 4,
    };
  }

  /** What the next attempt of `username` from `address` would wait now. */
  delayMs(username: string, address: string): number {
    const account = this.scoreOf(this.accounts, key(username));
    const from = this.scoreOf(this.addresses, address);
    const o = this.opts;
    return Math.max(wait(account, o.accountFree, o.baseDelayMs, o.accountCapMs), wait(from, o.addressFree, o.baseDelayMs, o.addressCapMs));
  }

  /** Starts an attempt: counted as a failure until `done(true)`. */
  begin(username: string, address: string): Attempt {
    const account = key(username);
    const pair = `${account}\u0000${address}`;
    const delayMs = this.delayMs(username, address);
    const addressCounter = this.touch(this.addresses, address);
    const admitted = addressCounter.inFlight < this.opts.maxInFlightPerAddress;
    const counters = [this.touch(this.accounts, account), addressCounter, this.touch(this.pairs, pair)];
    for (const c of counters) {
      c.score += 1;
      c.inFlight += 1;
    }
    let finished = false;
    return {
      delayMs: admitted ? delayMs : this.opts.addressCapMs,
      admitted,
      done: (success) => {
        if (finished) return;
        finished = true;
        for (const c of counters) c.inFlight = Math.max(0, c.inFlight - 1);
        if (success) this.succeeded(account, address, pair);
      },
    };
  }

  /** Keys held (tests: memory stays bounded). */
  get size(): { accounts: number; addresses: number; pairs: number } {
    return { accounts: this.accounts.size, addresses: this.addresses.size, pairs: this.pairs.size };
  }

  private succeeded(account: string, address: string, pair: string): void {
    const forgiven = this.scoreOf(this.pairs, pair);
    this.pairs.delete(pair);
    for (const [table, k] of [
      [this.accounts, account],
      [this.addresses, address],
    ] as const) {
      const c = table.get(k);
      if (!c) continue;
      this.decay(c);
      c.score = Math.max(0, c.score - forgiven);
      if (c.score < 0.01 && c.inFlight === 0) table.delete(k);
    }
  }

  private scoreOf(table: Map<string, Counter>, k: string): number {
    const c = table.get(k);
    if (!c) return 0;
    this.decay(c);
    return c.score;
  }

  private decay(c: Counter): void {
    const now = this.now();
    if (now > c.at) c.score *= 2 ** (-(now - c.at) / this.opts.halfLifeMs);
    c.at = Math.max(c.at, now);
  }

  /** The counter of `k`, created if needed and moved to the back (most recently used). */
  private touch(table: Map<string, Counter>, k: string): Counter {
    let c = table.get(k);
    if (c) {
      this.decay(c);
      table.delete(k);
    } else c = { score: 0, at: this.now(), inFlight: 0 };
    table.set(k, c);
    while (table.size > this.opts.maxEntries) {
      const oldest = table.keys().next().value as string;
      table.delete(oldest);
    }
    return c;
  }
}

/** Accounts are one whatever the case ("Anna" = "anna"). */
function key(username: string): string {
  return username.normalize('NFC').trim().toLowerCase();
}

/** No wait for the first `free` failures, then base, 2·base, 4·base, … up to cap. */
function wait(score: number, free: number, base: number, cap: number): number {
  const n = Math.floor(score + 1e-9);
  if (n < free) return 0;
  return Math.min(cap, base * 2 ** Math.min(30, n - free));
}
