/**
 * Browser end-to-end test of accounts in the UI (issue 11, "UI"), in Debian's
 * Chromium (playwright-core) against a real headless server with two cameras
 * (unreachable RTSP addresses on loopback: their tiles exist, nothing is
 * decoded, so the test stays cheap).
 *
 * 1. The owner (start-up URL with the token) adds a viewer with Live and
 *    Playback on one of the two cameras, from the Users page.
 * 2. In a second, fresh browser the viewer meets the login page; a wrong
 *    password gets a clear error; signing in shows only that camera, and no
 *    Cameras, Settings, Users or Audit, no export button; typing #/users shows
 *    Live. A grant added by the owner appears without a reload.
 * 3. The owner sees the viewer's login (and the failed one) on the Audit page.
 * 4. Signing out returns to the login page, and a reload keeps it there.
 * 5. First run: a fresh server shows the setup page; the console's setup code
 *    (Headless.setupCode) sets the owner's password, once.
 * Screenshots go to test-artifacts/ui-users/.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { User } from '../../preload/api.ts';
import { startHeadless, type Headless } from '../../main/headless.ts';
import { count, eventually, hasText, visible } from './page-expect.ts';
import { buildUi } from './ui-target.ts';

declare const location: { hash: string };

const ARTIFACTS = join(process.cwd(), 'test-artifacts/ui-users');
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const VIEWER = 'porch-watcher';
const VIEWER_PASSWORD = 'Lantern-42-quiet-meadow';

let app: Headless;
let staticDir: string;
let porch: number;
let garage: number;
const tmp: string[] = [];
const contexts: BrowserContext[] = [];
const pageErrors: string[] = [];
/** Calls the UI made that the engine refused for want of a right: the UI must not offer those at all. */
const refused: string[] = [];

const temp = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tmp.push(dir);
  return dir;
};
const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), animations: 'disabled' });

/** The HTTP API as the owner's scripts use it (Bearer token). */
async function asOwner<T>(server: Headless, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${server.port}${path}`, {
    method,
    headers: { Authorization: `Bearer ${server.token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const payload = (await res.json()) as T;
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${JSON.stringify(payload)}`);
  return payload;
}

/** A fresh Chromium profile: its own cookies, nothing shared with another context. */
async function freshBrowser(prefix: string): Promise<Page> {
  const context = await chromium.launchPersistentContext(temp(prefix), { executablePath: '/usr/bin/chromium', headless: true, viewport: { width: 1360, height: 860 }, args: CHROMIUM_ARGS });
  contexts.push(context);
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('response', (r) => {
    if (r.status() === 403) refused.push(`${r.request().method()} ${new URL(r.url()).pathname}`);
  });
  page.on('console', (m) => {
    // A 401 is how a signed-out browser learns it must sign in; the browser logs every failed request.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) pageErrors.push(m.text());
  });
  return page;
}

const hashOf = (page: Page) => page.evaluate(() => location.hash);

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  staticDir = (await buildUi(temp('kw-users-ui-'))).staticDir;
  app = await startHeadless({ dataDir: temp('kw-users-data-'), port: 0, staticDir, logSink: { write() {} } });
  // Nothing listens on these ports: the cameras exist and stay offline.
  porch = (await app.engine.cameras.add({ name: 'Porch', mainUrl: 'rtsp://127.0.0.1:9/porch' })).id;
  garage = (await app.engine.cameras.add({ name: 'Garage', mainUrl: 'rtsp://127.0.0.1:9/garage' })).id;
}, 120_000);

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await app?.stop();
  for (const dir of tmp) rmSync(dir, { recursive: true, force: true });
  expect(pageErrors).toEqual([]);
  expect(refused).toEqual([]);
}, 60_000);

describe('people in the UI', () => {
  let owner: Page;
  let viewer: Page;

  it('the owner adds a viewer with Live and Playback on one camera', async () => {
    owner = await freshBrowser('kw-users-owner-');
    await owner.goto(app.url); // the start-up URL: the owner's token cookie
    await visible(owner.getByTestId('nav-users'));
    await visible(owner.getByTestId('nav-audit'));
    // Signed in by the owner's token, not a session: nothing to sign out of.
    await count(owner.getByTestId('nav-sign-out'), 0);

    // LAN access is in Settings, off by default (this test runs without a network: no address to offer).
    await owner.goto(`http://127.0.0.1:${app.port}/#/settings`);
    await hasText(owner.getByTestId('lan-status'), 'Off');
    await owner.getByTestId('lan-settings').scrollIntoViewIfNeeded();
    await shot(owner, 'settings-lan');

    await owner.goto(`http://127.0.0.1:${app.port}/#/users`);
    await visible(owner.getByTestId('users-table'));
    await visible(owner.getByTestId('no-viewers'));
    await owner.keyboard.press('a');
    const form = owner.getByTestId('add-user-form');
    await visible(form);
    await form.locator('input[name=username]').fill(VIEWER);
    await form.locator('input[name=password]').fill(VIEWER_PASSWORD);
    await form.locator('input[name=again]').fill(VIEWER_PASSWORD);
    const porchRow = form.locator(`li[data-camera-id="${porch}"]`);
    await porchRow.getByLabel(`Live for the new user on Porch`).check();
    await porchRow.getByLabel(`Playback for the new user on Porch`).check();
    await shot(owner, 'add-user');
    await form.getByTestId('add-user-submit').click();

    await visible(owner.locator(`[data-testid=users-table] tr[data-user="${VIEWER}"]`));
    const row = owner.locator(`[data-testid=grants-matrix] tr[data-user="${VIEWER}"]`);
    await visible(row);
    expect(await row.getByLabel(`Live for ${VIEWER} on Porch`).isChecked()).toBe(true);
    expect(await row.getByLabel(`Playback for ${VIEWER} on Porch`).isChecked()).toBe(true);
    expect(await row.getByLabel(`Export for ${VIEWER} on Porch`).isChecked()).toBe(false);
    expect(await row.getByLabel(`Live for ${VIEWER} on Garage`).isChecked()).toBe(false);
    await shot(owner, 'users');

    const users = await asOwner<User[]>(app, 'GET', '/api/users');
    const made = users.find((u) => u.username === VIEWER)!;
    expect(made).toMatchObject({ role: 'viewer', cameras: [{ id: porch, rights: ['live', 'playback'] }] });
  }, 60_000);

  it('a wrong password gets a clear error on the login page', async () => {
    viewer = await freshBrowser('kw-users-viewer-');
    await viewer.goto(`http://127.0.0.1:${app.port}/`);
    // The owner used only the token so far: the first-run page shows, with the way to sign in instead.
    await visible(viewer.getByTestId('setup-page'));
    await viewer.getByTestId('go-login').click();
    const login = viewer.getByTestId('login-page');
    await visible(login);
    await count(viewer.locator('.kw-rail'), 0);
    await login.locator('input[name=username]').fill(VIEWER);
    await login.locator('input[name=password]').fill('not-the-password-at-all');
    await login.getByTestId('login-submit').click();
    await hasText(login.getByRole('alert'), 'Wrong username or password.');
    await shot(viewer, 'login-wrong-password');
  }, 60_000);

  it('the viewer signs in and sees only its camera, and nothing it may not do', async () => {
    const login = viewer.getByTestId('login-page');
    await login.locator('input[name=password]').fill(VIEWER_PASSWORD);
    await login.getByTestId('login-submit').click();

    await visible(viewer.locator('[data-testid=live-tile]'));
    await count(viewer.locator('[data-testid=live-tile]'), 1);
    expect(await viewer.locator('[data-testid=live-tile]').getAttribute('data-camera-id')).toBe(String(porch));
    for (const hidden of ['nav-cameras', 'nav-settings', 'nav-users', 'nav-audit']) await count(viewer.getByTestId(hidden), 0);
    for (const shown of ['nav-live', 'nav-timeline', 'nav-review', 'nav-account', 'nav-sign-out']) await visible(viewer.getByTestId(shown));
    await shot(viewer, 'viewer-live');

    // Playback but no export: the timeline has the camera, and no export anywhere.
    await viewer.getByTestId('nav-timeline').click();
    await visible(viewer.getByTestId('timeline-page'));
    await eventually(() => viewer.locator('.kwt-chip').allTextContents(), (names) => names.join() === 'Porch', 'only Porch on the timeline');
    await count(viewer.getByTestId('export-open'), 0);
    await count(viewer.getByTestId('exports-toggle'), 0);
    await viewer.keyboard.press('e');
    await count(viewer.getByTestId('export-dialog'), 0);
    await shot(viewer, 'viewer-timeline');

    await viewer.getByTestId('nav-review').click();
    await visible(viewer.getByTestId('review-page'));
    await visible(viewer.getByTestId('review-empty'));
    await eventually(() => viewer.locator('select[aria-label=Camera] option').allTextContents(), (o) => o.join() === 'All cameras,Porch', 'only Porch in the camera filter');

    // A page it may not use is not there even by its address.
    await viewer.goto(`http://127.0.0.1:${app.port}/#/users`);
    await eventually(() => hashOf(viewer), (h) => h === '#/live', 'the address to become #/live');
    await count(viewer.getByTestId('users-page'), 0);
    await viewer.goto(`http://127.0.0.1:${app.port}/#/settings`);
    await eventually(() => hashOf(viewer), (h) => h === '#/live', 'the address to become #/live');
  }, 60_000);

  it('a grant the owner adds reaches the viewer without a reload', async () => {
    const row = owner.locator(`[data-testid=grants-matrix] tr[data-user="${VIEWER}"]`);
    await row.getByLabel(`Live for ${VIEWER} on Garage`).check();
    await visible(owner.getByTestId('save-grants'));
    await shot(owner, 'users-unsaved');
    await owner.keyboard.press('Control+s');
    await count(owner.getByTestId('save-grants'), 0);
    const users = await asOwner<User[]>(app, 'GET', '/api/users');
    expect(users.find((u) => u.username === VIEWER)!.cameras).toEqual([
      { id: porch, rights: ['live', 'playback'] },
      { id: garage, rights: ['live'] },
    ]);
    await viewer.getByTestId('nav-live').click();
    await count(viewer.locator('[data-testid=live-tile]'), 2, 20_000);
    // Garage is live only: the timeline still lists Porch alone.
    await viewer.getByTestId('nav-timeline').click();
    await eventually(() => viewer.locator('.kwt-chip').allTextContents(), (names) => names.join() === 'Porch', 'only Porch on the timeline');
  }, 60_000);

  it("the owner sees the viewer's sign-ins on the Audit page", async () => {
    await owner.getByTestId('nav-audit').click();
    const table = owner.getByTestId('audit-table');
    await visible(table);
    await visible(table.locator(`tr[data-action=login][data-user="${VIEWER}"]`));
    await visible(table.locator('tr[data-action=login-failed]'));
    await visible(table.locator(`tr[data-action=user-created]`));
    await shot(owner, 'audit-all');
    // The filters narrow it, and live in the address.
    await owner.getByTestId('audit-action').selectOption('login');
    await eventually(() => hashOf(owner), (h) => h.includes('action=login'), 'the filter in the address');
    await eventually(async () => table.locator('tr[data-action]').evaluateAll((rows) => rows.map((r) => (r as unknown as { getAttribute(n: string): string }).getAttribute('data-action'))), (a) => a.length > 0 && a.every((x) => x === 'login'), 'only logins listed');
    await shot(owner, 'audit');
  }, 60_000);

  it('the viewer makes a personal token: shown once, acts with its rights, revocable', async () => {
    await viewer.getByTestId('nav-account').click();
    const account = viewer.getByTestId('account-page');
    await visible(account);
    await account.locator('input[name=token-name]').fill('porch script');
    await account.getByTestId('create-token').click();
    await visible(account.getByTestId('token-secret'));
    const secret = ((await account.getByTestId('token-value').textContent()) ?? '').trim();
    expect(secret.length).toBeGreaterThan(16);
    await visible(account.locator('[data-testid=token-list] li', { hasText: 'porch script' }));
    await shot(viewer, 'account-token');
    const cameras = (await (await fetch(`http://127.0.0.1:${app.port}/api/cameras`, { headers: { Authorization: `Bearer ${secret}` } })).json()) as { id: number }[];
    expect(cameras.map((c) => c.id).sort()).toEqual([porch, garage].sort());
    await account.getByRole('button', { name: 'Revoke the token porch script' }).click();
    await count(account.locator('[data-testid=token-list] li', { hasText: 'porch script' }), 0);
    expect((await fetch(`http://127.0.0.1:${app.port}/api/cameras`, { headers: { Authorization: `Bearer ${secret}` } })).status).toBe(401);
  }, 60_000);

  it("the owner ends the viewer's session: the viewer's page falls back to the login page", async () => {
    await viewer.getByTestId('nav-live').click();
    await owner.getByTestId('nav-users').click();
    await owner.getByRole('button', { name: `Sessions and tokens of ${VIEWER}` }).click();
    const sessions = owner.getByTestId('session-list');
    await count(sessions.locator('li'), 1);
    await shot(owner, 'user-sessions');
    await sessions.locator('li').getByRole('button').click();
    await count(sessions.locator('li'), 0);
    await owner.keyboard.press('Escape');
    const login = viewer.getByTestId('login-page');
    await visible(login, 15_000);
    await hasText(login.getByRole('status'), 'signed out');
    await shot(viewer, 'login-after-revoke');
    // Back in, for the next step.
    await login.locator('input[name=username]').fill(VIEWER);
    await login.locator('input[name=password]').fill(VIEWER_PASSWORD);
    await login.getByTestId('login-submit').click();
    await visible(viewer.getByTestId('nav-sign-out'));
  }, 60_000);

  it('signing out returns to the login page, and stays there', async () => {
    await viewer.getByTestId('nav-sign-out').click();
    await visible(viewer.getByTestId('login-page'));
    await viewer.reload();
    await visible(viewer.getByTestId('login-page'));
    await count(viewer.locator('.kw-rail'), 0);
  }, 60_000);
});

describe('first run', () => {
  let fresh: Headless;
  afterAll(async () => {
    await fresh?.stop();
  });

  it('the setup page takes the console code once and signs the owner in', async () => {
    fresh = await startHeadless({ dataDir: temp('kw-users-first-'), port: 0, staticDir, logSink: { write() {} } });
    expect(fresh.setupCode).toBeTruthy();
    const page = await freshBrowser('kw-users-setup-');
    await page.goto(`http://127.0.0.1:${fresh.port}/`);
    const setup = page.getByTestId('setup-page');
    await visible(setup);
    const username = await setup.locator('input[name=username]').inputValue();
    expect(username.length).toBeGreaterThan(0);
    await setup.locator('input[name=code]').fill('not-the-code');
    await setup.locator('input[name=password]').fill('Orchard-17-silent-river');
    await setup.locator('input[name=again]').fill('Orchard-17-silent-river');
    await setup.getByTestId('setup-submit').click();
    await hasText(setup.locator('.kwf-field__error').first(), 'setup code is not right');
    await shot(page, 'setup-wrong-code');

    await setup.locator('input[name=code]').fill(fresh.setupCode!);
    await setup.getByTestId('setup-submit').click();
    await visible(page.getByTestId('nav-users'));
    await visible(page.getByTestId('nav-sign-out'));
    const state = await asOwner<{ needed: boolean }>(fresh, 'GET', '/api/setup');
    expect(state.needed).toBe(false);

    // Signed out, the same browser now meets the login page, not the setup page.
    await page.getByTestId('nav-sign-out').click();
    await visible(page.getByTestId('login-page'));
    await count(page.getByTestId('setup-page'), 0);
  }, 90_000);
});
