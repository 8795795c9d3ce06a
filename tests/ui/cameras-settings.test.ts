/**
 * Browser end-to-end test of the Cameras and Settings pages (Debian Chromium
 * through playwright-core, against the headless server and a simulated RTSP
 * camera on loopback). Every step checks the page AND the API, so the page is
 * shown to reflect server truth. Screenshots go to test-artifacts/ui/.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startHeadless, type Headless } from '../../main/headless.ts';
import { startSimCameras, type SimCameraSet } from '../sim/cameras.ts';
import { waitFor } from '../helpers/wait.ts';
import { attr, count, exactText, focused, hasText, hidden, value, visible } from './page-expect.ts';
import { buildUi, type UiTarget } from './ui-target.ts';

const ARTIFACTS = join(process.cwd(), 'test-artifacts/ui');
const GB = 1000 ** 3; // preload/format-bytes.ts: SI units

let sims: SimCameraSet;
let app: Headless;
let ui: UiTarget;
let context: BrowserContext;
let page: Page;
const tmp: string[] = [];
const pageErrors: string[] = [];

const temp = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tmp.push(dir);
  return dir;
};
const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true, animations: 'disabled' });
const rows = () => page.locator('tbody tr[data-camera-id]');
const cameras = async () => {
  const r = await app.dispatcher.dispatch('listCameras', {}, { caller: app.localCaller });
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const [set, target] = await Promise.all([startSimCameras([{ color: 2, sub: true }]), buildUi(temp('kw-ui-build-'))]);
  sims = set;
  ui = target;
  app = await startHeadless({ dataDir: temp('kw-ui-data-'), port: 0, staticDir: ui.staticDir, recorder: { connectTimeoutMs: 10_000 } });
  app.engine.updateSettings({ segmentSeconds: 2, freeSpaceFloorBytes: 0 });
  context = await chromium.launchPersistentContext(temp('kw-ui-chromium-'), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1360, height: 820 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    // A refused request (the bad URL's 400) is logged by Chromium itself; anything else is a bug.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) pageErrors.push(m.text());
  });
  await page.goto(app.url); // sets the token cookie
  await page.goto(`http://127.0.0.1:${app.port}/${ui.hash('cameras')}`);
}, 90_000);

afterAll(async () => {
  await context?.close();
  await app?.stop();
  await sims?.stopAll();
  for (const dir of tmp) rmSync(dir, { recursive: true, force: true });
  expect(pageErrors).toEqual([]);
});

describe('Cameras page', () => {
  it('shows the empty state when there are no cameras', async () => {
    await visible(page.getByRole('heading', { name: 'No cameras yet — add one' }));
    await shot('cameras-empty');
  });

  it('adds a camera by RTSP URL through the form ("a", Enter) and shows it recording', async () => {
    await page.keyboard.press('a');
    const dialog = page.getByRole('dialog', { name: 'Add camera' });
    await visible(dialog);
    // The dialog opens on ONVIF discovery (issue 3); a scan only runs when asked.
    const onvifTab = dialog.getByRole('tab', { name: /Find on network/ });
    await attr(onvifTab, 'aria-selected', 'true');
    await visible(dialog.getByRole('button', { name: 'Scan', exact: true }));
    await shot('cameras-add-onvif-tab');
    await dialog.getByRole('tab', { name: 'RTSP URL' }).click();
    await attr(dialog.getByRole('tab', { name: 'RTSP URL' }), 'aria-selected', 'true');
    await dialog.getByLabel('Name', { exact: true }).fill('Front door');
    await dialog.getByLabel('Main stream URL').fill(sims.cameras[0].mainUrl);
    await dialog.getByLabel('Sub stream URL').fill(sims.cameras[0].subUrl!);
    await dialog.getByLabel('Username').fill('viewer');
    await dialog.getByLabel('Password').fill('s3cret-pass');
    await dialog.getByLabel('Keep footage for at most').fill('30');
    await shot('cameras-add-dialog');
    await dialog.getByLabel('Password').press('Enter');
    await hidden(dialog);

    const [camera] = await cameras();
    expect(camera).toMatchObject({ name: 'Front door', mainUrl: sims.cameras[0].mainUrl, hasCredentials: true, retention: { maxAgeDays: 30 } });
    const row = rows().filter({ hasText: 'Front door' });
    await count(row, 1);
    await attr(row.locator('[data-state]'), 'data-state', 'recording', 25_000);
    await hasText(row, 'H.264 · 640×360'); // main stream as probed by the engine
    await hasText(row, 'limit 30 days');
    expect(await page.content()).not.toContain('s3cret-pass');
    await shot('cameras-recording');
  });

  it('refuses a file:// URL with the API message, and adds nothing', async () => {
    await page.getByRole('button', { name: /^Add camera/ }).first().click();
    const dialog = page.getByRole('dialog', { name: 'Add camera' });
    await dialog.getByRole('tab', { name: 'RTSP URL' }).click();
    await dialog.getByLabel('Name', { exact: true }).fill('Sneaky');
    await dialog.getByLabel('Main stream URL').fill('file:///etc/passwd');
    await dialog.getByRole('button', { name: 'Add camera' }).click();
    const url = dialog.getByLabel('Main stream URL');
    await exactText(dialog.getByRole('alert'), 'only rtsp:// and rtsps:// URLs are accepted, not file://');
    await attr(url, 'aria-invalid', 'true');
    await focused(url);
    await shot('cameras-add-bad-url');
    expect((await cameras()).map((c) => c.name)).toEqual(['Front door']);
    await page.keyboard.press('Escape');
    await hidden(dialog);
    await count(rows(), 1);
  });

  it('edits the name without ever showing the saved credentials', async () => {
    const row = rows().filter({ hasText: 'Front door' });
    await row.getByRole('button', { name: 'Edit Front door' }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit Front door' });
    await value(dialog.getByLabel('Name', { exact: true }), 'Front door');
    await value(dialog.getByLabel('Password'), '');
    await visible(dialog.getByText('saved').first());
    await shot('cameras-edit-dialog');
    await dialog.getByLabel('Name', { exact: true }).fill('Porch');
    await dialog.getByLabel('Name', { exact: true }).press('Enter');
    await hidden(dialog);
    await count(rows().filter({ hasText: 'Porch' }), 1);
    const [camera] = await cameras();
    expect(camera).toMatchObject({ name: 'Porch', hasCredentials: true, mainUrl: sims.cameras[0].mainUrl });
  });
});

describe('Settings page', () => {
  it('sets a disk budget and shows it; refuses a bad segment length', async () => {
    // Tall enough that the screenshots show the whole page (the app frame scrolls inside <main>).
    await page.setViewportSize({ width: 1360, height: 1120 });
    await page.goto(`http://127.0.0.1:${app.port}/${ui.hash('settings')}`);
    const form = page.locator('form').filter({ has: page.getByLabel('Segment length') });
    await value(form.getByLabel('Segment length'), '2');

    await form.getByLabel('Segment length').fill('1');
    await form.getByRole('button', { name: 'Save settings' }).click();
    await visible(form.getByText('segments are 2 to 600 seconds long'));
    expect(app.engine.settings().segmentSeconds).toBe(2);
    await form.getByRole('button', { name: 'Reset' }).click();

    await form.getByLabel('Limit footage to').check();
    await form.getByRole('textbox', { name: 'Budget' }).fill('5');
    await form.getByRole('textbox', { name: 'Budget' }).press('Enter');
    await visible(form.getByText('Saved'));
    expect(app.engine.settings().diskBudgetBytes).toBe(5 * GB);
    const budgetStat = page.locator('.kws-stat', { has: page.locator('dt', { hasText: /^Budget$/ }) });
    await hasText(budgetStat, '5 GB');
    await visible(page.getByText('No footage has been deleted before its age limit'));
    await shot('settings-budget');

    // The low-latency maximised view: on by default, off for cameras that take one or two clients.
    const lowLatency = form.getByRole('switch', { name: 'Low-latency maximised view' });
    expect(await lowLatency.isChecked()).toBe(true);
    await lowLatency.uncheck();
    await form.getByRole('button', { name: 'Save settings' }).click();
    await visible(form.getByText('Saved'));
    expect(app.engine.settings().lowLatencyLive).toBe(false);
    await lowLatency.check();
    await form.getByRole('button', { name: 'Save settings' }).click();
    await waitFor(() => app.engine.settings().lowLatencyLive, { timeoutMs: 5000, what: 'low latency back on' });
  });

  it('says plainly when footage went before its age limit to stay within the budget', async () => {
    const form = page.locator('form').filter({ has: page.getByLabel('Segment length') });
    // Half the footage kept so far: retention must delete early (the camera has a 30-day limit).
    const used: number = await waitFor(async () => {
      const [camera] = await cameras();
      return camera.storage.segments >= 4 ? camera.storage.bytes : 0;
    }, { timeoutMs: 20_000, what: '4 segments recorded' });
    await form.getByRole('textbox', { name: 'Budget' }).fill(String(used / 2 / GB));
    await form.getByRole('button', { name: 'Save settings' }).click();
    await visible(form.getByText('Saved'));
    const sentence = page.getByTestId('early-deletions');
    await hasText(sentence, /\d+ segments? \([\d.]+ [kMG]B\) (was|were) deleted before their age limit to stay within the disk budget/, 20_000);
    await hasText(sentence, /— last (at|on) /);
    const status = await app.dispatcher.dispatch('getStatus', {}, { caller: app.localCaller });
    expect(status.ok && status.value.storage.earlyDeletions.segments).toBeGreaterThan(0);
    await hasText(page.locator('.kws-table tbody tr').filter({ hasText: 'Porch' }), '30 days');
    await shot('settings-early-deletions');

    // A budget below every camera's newest segment cannot be met: the engine's sentence shows as a warning.
    await form.getByRole('textbox', { name: 'Budget' }).fill('0.000000001'); // 1 byte
    await form.getByRole('button', { name: 'Save settings' }).click();
    const banner = page.getByTestId('storage-problem');
    await hasText(banner, 'The disk budget is smaller than the newest footage of every camera; raise the budget.', 15_000);
    await visible(page.getByText('Needs attention'));
    await shot('settings-storage-problem');

    // Give the room back for the rest of the test: the warning goes with the problem.
    await form.getByLabel('No budget').check();
    await form.getByRole('button', { name: 'Save settings' }).click();
    await visible(form.getByText('Saved'));
    expect(app.engine.settings().diskBudgetBytes).toBeNull();
    await hidden(banner, 15_000);
  });

  it('shows the version and the privacy promise', async () => {
    await hasText(page.getByTestId('version'), /^Keepwatch \d+\.\d+\.\d+/);
    await visible(page.getByText('Nothing leaves this machine: no cloud, no telemetry.'));
  });
});

describe('Cameras page, continued', () => {
  it('disables a camera: the server stops it and the page says "disabled"', async () => {
    await page.setViewportSize({ width: 1360, height: 820 });
    await page.goto(`http://127.0.0.1:${app.port}/${ui.hash('cameras')}`);
    const row = rows().filter({ hasText: 'Porch' });
    await row.getByRole('button', { name: 'Disable Porch' }).click();
    await attr(row.locator('[data-state]'), 'data-state', 'disabled');
    expect((await cameras())[0]).toMatchObject({ enabled: false, status: { state: 'disabled' } });
    await visible(row.getByRole('button', { name: 'Enable Porch' }));
    await shot('cameras-disabled');
    // A phone-sized window: the table keeps the essentials and stays usable.
    await page.setViewportSize({ width: 420, height: 820 });
    await shot('cameras-narrow');
    await page.setViewportSize({ width: 1360, height: 820 });
  });

  it('removes a camera after a confirmation that says its footage will be deleted', async () => {
    const row = rows().filter({ hasText: 'Porch' });
    await row.getByRole('button', { name: 'Remove Porch' }).click();
    const dialog = page.getByRole('alertdialog', { name: 'Remove Porch?' });
    await hasText(dialog, "all of this camera's footage will be deleted");
    await focused(dialog.getByRole('button', { name: 'Cancel' }));
    await shot('cameras-remove-confirm');
    await dialog.getByRole('button', { name: 'Remove and delete footage' }).click();
    await hidden(dialog);
    await count(rows(), 0);
    await visible(page.getByRole('heading', { name: 'No cameras yet — add one' }));
    expect(await cameras()).toEqual([]);
  });
});
