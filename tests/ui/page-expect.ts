/**
 * Waiting assertions for playwright-core locators under vitest (playwright's
 * own `expect` ships with @playwright/test, which this project does not use).
 * Each polls until the condition holds or the time runs out, then fails with
 * what it last saw.
 */
import type { Locator } from 'playwright-core';

const DEFAULT_MS = 10_000;

export async function eventually<T>(probe: () => Promise<T>, ok: (v: T) => boolean, what: string, timeoutMs = DEFAULT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  for (;;) {
    try {
      last = await probe();
      if (ok(last)) return last;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const seen = lastError ? `error: ${(lastError as Error).message}` : `last saw: ${JSON.stringify(last)}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${seen})`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const visible = (l: Locator, timeout = DEFAULT_MS) => l.first().waitFor({ state: 'visible', timeout });
export const hidden = (l: Locator, timeout = DEFAULT_MS) => l.first().waitFor({ state: 'hidden', timeout });

export function hasText(l: Locator, expected: string | RegExp, timeoutMs = DEFAULT_MS): Promise<string> {
  const matches = (t: string) => (typeof expected === 'string' ? t.includes(expected) : expected.test(t));
  return eventually(async () => (await l.first().textContent()) ?? '', matches, `text ${String(expected)}`, timeoutMs);
}

export function exactText(l: Locator, expected: string, timeoutMs = DEFAULT_MS): Promise<string> {
  return eventually(async () => ((await l.first().textContent()) ?? '').trim(), (t) => t === expected, `text "${expected}"`, timeoutMs);
}

export function attr(l: Locator, name: string, expected: string, timeoutMs = DEFAULT_MS): Promise<string | null> {
  return eventually(() => l.first().getAttribute(name), (v) => v === expected, `${name}="${expected}"`, timeoutMs);
}

export function value(l: Locator, expected: string, timeoutMs = DEFAULT_MS): Promise<string> {
  return eventually(() => l.first().inputValue(), (v) => v === expected, `value "${expected}"`, timeoutMs);
}

export function count(l: Locator, expected: number, timeoutMs = DEFAULT_MS): Promise<number> {
  return eventually(() => l.count(), (n) => n === expected, `${expected} element(s)`, timeoutMs);
}

export function focused(l: Locator, timeoutMs = 3000): Promise<boolean> {
  return eventually(() => l.first().evaluate((el) => el === el.ownerDocument.activeElement), (v) => v, 'focus', timeoutMs);
}
