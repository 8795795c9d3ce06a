/**
 * Issue 3, test 7: browser end-to-end in Debian Chromium (playwright-core)
 * against the headless server. Scan → pick a device → enter credentials (a
 * wrong password first) → see the preview from the camera → confirm → the
 * camera shows up recording; then its device panel drives PTZ. Two simulated
 * ONVIF devices on loopback, one streaming a simulated RTSP camera, the
 * other with a clock 3 h off. Screenshots: test-artifacts/onvif/.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startHeadless, type Headless } from '../../main/headless.ts';
import { startSimCameras, type SimCameraSet } from '../sim/cameras.ts';
import { build } from 'vite';
import { fileURLToPath } from 'node:url';
import { attr, count, focused, hasText, hidden, visible, eventually } from '../ui/page-expect.ts';
import { closedPort, grabJpeg, profilesFor, startDevices, startJpegServer } from './helpers.ts';
import type { SimOnvifDevice } from '../../main/sim-onvif/index.ts';

const ARTIFACTS = join(process.cwd(), 'test-artifacts/onvif');

let sims: SimCameraSet;
let devices: SimOnvifDevice[];
let app: Headless;
let context: BrowserContext;
let page: Page;
const cleanups: Array<() => Promise<void> | void> = [];
const pageErrors: string[] = [];

const temp = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
};
/** The real renderer, built into a folder of this test's own (no race with other test files rebuilding out/renderer). */
async function buildRenderer(outDir: string): Promise<string> {
  const configFile = fileURLToPath(new URL('../../renderer/vite.config.ts', import.meta.url));
  await build({ configFile, logLevel: 'error', build: { outDir, emptyOutDir: true } });
  return outDir;
}
const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), animations: 'disabled' });

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const [set, staticDir, dead] = await Promise.all([startSimCameras([{ color: 5, sub: true }]), buildRenderer(temp('kw-onvif-ui-')), closedPort()]);
  sims = set;
  const cam = sims.cameras[0];
  const snapshots = await startJpegServer(await grabJpeg(cam.mainUrl));
  cleanups.push(snapshots.close);
  const started = await startDevices([
    { name: 'Porch', manufacturer: 'Acme', model: 'Dome 4K', clockOffsetMs: 3 * 3600_000, profiles: profilesFor(cam.mainUrl, cam.subUrl), snapshotUri: snapshots.uri },
    { name: 'Garage', manufacturer: 'Acme', model: 'Bullet', noPtz: true, profiles: profilesFor(`rtsp://127.0.0.1:${dead}/garage`) },
  ]);
  devices = started.devices;
  cleanups.push(started.stop);
  app = await startHeadless({
    dataDir: temp('kw-onvif-ui-data-'),
    port: 0,
    staticDir,
    recorder: { connectTimeoutMs: 10_000 },
    onvif: { loopbackOnly: true, suggestedAddresses: devices.map((d) => `127.0.0.1:${d.discoveryPort}`), scanTimeoutMs: 2000 },
  });
  app.engine.updateSettings({ segmentSeconds: 2, freeSpaceFloorBytes: 0 });
  context = await chromium.launchPersistentContext(temp('kw-onvif-chromium-'), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 860 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    // Refused requests (the wrong password's 400) are logged by Chromium itself; anything else is a bug.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) pageErrors.push(m.text());
  });
  await page.goto(app.url);
  await page.goto(`http://127.0.0.1:${app.port}/#/cameras`);
}, 120_000);

afterAll(async () => {
  await context?.close();
  await app?.stop();
  for (const cleanup of cleanups.reverse()) await cleanup();
  await sims?.stopAll();
  expect(pageErrors).toEqual([]);
});

describe('Find cameras in the browser', () => {
  it('scans with a progress bar and lists both devices with maker, model and address', async () => {
    await visible(page.getByRole('heading', { name: 'Cameras' }));
    await page.keyboard.press('a');
    const dialog = page.getByRole('dialog', { name: 'Add camera' });
    await visible(dialog);
    await attr(dialog.getByRole('tab', { name: /Find on network/ }), 'aria-selected', 'true');
    const scan = dialog.getByTestId('onvif-scan');
    await focused(scan);
    // Demo-style defaults: the simulated devices' addresses, no network card.
    await eventually(() => dialog.getByLabel(/Addresses to probe/).inputValue(), (v) => v.includes(`127.0.0.1:${devices[0].discoveryPort}`), 'prefilled addresses');
    await shot('1-find-intro');
    await scan.click();
    await visible(dialog.getByTestId('onvif-scan-progress'));
    await shot('2-scanning');
    await visible(dialog.getByTestId('onvif-results'), 10_000);
    const rows = dialog.getByTestId('onvif-device');
    await count(rows, 2);
    await hasText(dialog.getByTestId('onvif-results'), '2 devices found');
    const porch = rows.filter({ hasText: 'Porch' });
    await hasText(porch, 'Dome 4K');
    await hasText(porch, `127.0.0.1:${devices[0].port}`);
    await hasText(porch, 'unicast');
    await hasText(dialog.getByRole('region', { name: 'Found on By address' }), '2 addresses probed');
    await shot('3-found');
  });

  it('asks for the login, explains a wrong password, then previews the camera with its profiles preselected', async () => {
    const dialog = page.getByRole('dialog', { name: 'Add camera' });
    await dialog.getByTestId('onvif-device').filter({ hasText: 'Porch' }).click();
    const password = dialog.getByLabel('Password');
    await focused(password);
    await password.fill('wrong');
    await password.press('Enter');
    await hasText(dialog.getByRole('alert'), 'The camera rejected the username or password');
    await shot('4-wrong-password');
    await password.fill('admin123');
    await dialog.getByTestId('onvif-connect').click();
    const preview = dialog.getByTestId('onvif-preview');
    await visible(preview, 15_000);
    const img = preview.locator('img');
    await visible(img);
    expect(await img.getAttribute('src')).toMatch(/^data:image\/jpeg;base64,/);
    const natural = await img.evaluate((el) => ({ w: (el as unknown as { naturalWidth: number }).naturalWidth, h: (el as unknown as { naturalHeight: number }).naturalHeight }));
    expect(natural).toEqual({ w: 640, h: 360 }); // a real frame of the simulated camera, not a placeholder
    expect(await dialog.getByTestId('onvif-main-profile').inputValue()).toBe('profile_main');
    expect(await dialog.getByTestId('onvif-sub-profile').inputValue()).toBe('profile_sub');
    await hasText(dialog, 'Acme');
    await hasText(dialog, '3 h ahead — compensated');
    await hasText(dialog, 'pan / tilt / zoom');
    await shot('5-preview');
  });

  it('confirms, and the camera shows up recording', async () => {
    const dialog = page.getByRole('dialog', { name: 'Add camera' });
    await dialog.getByTestId('onvif-add').click();
    await hidden(dialog, 15_000);
    const row = page.locator('tbody tr[data-camera-id]').filter({ hasText: 'Porch' });
    await count(row, 1);
    await hasText(row, 'ONVIF');
    await attr(row.locator('[data-state]'), 'data-state', 'recording', 30_000);
    await hasText(row, '640×360');
    const cameras = await app.dispatcher.dispatch('listCameras', {}, { caller: app.localCaller });
    if (!cameras.ok) throw new Error(cameras.error.message);
    expect(cameras.value).toHaveLength(1);
    expect(cameras.value[0]).toMatchObject({ name: 'Porch', source: 'onvif', mainUrl: sims.cameras[0].mainUrl, subUrl: sims.cameras[0].subUrl });
    expect(await page.content()).not.toContain('admin123');
    await shot('6-recording');
  }, 60_000);

  it('the scan now marks it as added', async () => {
    await page.getByRole('button', { name: /^Add camera/ }).first().click();
    const dialog = page.getByRole('dialog', { name: 'Add camera' });
    await dialog.getByTestId('onvif-scan').click();
    await visible(dialog.getByTestId('onvif-results'), 10_000);
    const porch = dialog.getByTestId('onvif-device').filter({ hasText: 'Porch' });
    await attr(porch, 'data-added', 'true');
    await hasText(porch, 'Added');
    await shot('7-marked-added');
    await page.keyboard.press('Escape');
    await hidden(dialog);
  });

  it("the camera's device panel shows its device and drives PTZ", async () => {
    const row = page.locator('tbody tr[data-camera-id]').filter({ hasText: 'Porch' });
    await row.getByTestId('onvif-details').click();
    const dialog = page.getByRole('dialog', { name: 'Porch' });
    const panel = dialog.getByTestId('onvif-panel');
    await visible(panel);
    await hasText(panel, 'Dome 4K');
    await hasText(panel, 'MainStream · H.264 · 640×360 · 15 fps');
    await hasText(dialog.getByTestId('onvif-events-state'), 'receiving motion and tamper events');
    await visible(panel.locator('img'), 15_000);
    await visible(dialog.getByTestId('ptz-presets').getByText('Gate'));

    const right = dialog.getByTestId('ptz-right');
    const box = (await right.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await eventually(async () => devices[0].calls.at(-1)?.operation, (op) => op === 'ContinuousMove', 'a ContinuousMove');
    expect(devices[0].calls.at(-1)).toMatchObject({ pan: 0.5, tilt: 0, timeout: 'PT5S' });
    await shot('8-ptz-holding');
    await page.mouse.up();
    await eventually(async () => devices[0].calls.at(-1)?.operation, (op) => op === 'Stop', 'a Stop on release');

    await dialog.getByTestId('ptz-presets').getByRole('button', { name: 'Go' }).click();
    await eventually(async () => devices[0].calls.at(-1), (c) => c?.operation === 'GotoPreset' && c.presetToken === 'preset-1', 'GotoPreset');
    await shot('9-device-panel');
    // Narrow window: the panel stacks instead of overflowing.
    await page.setViewportSize({ width: 480, height: 900 });
    await dialog.getByTestId('ptz-presets').scrollIntoViewIfNeeded();
    await shot('10-device-panel-narrow');
    const overflow = await dialog.evaluate((el) => el.scrollWidth - el.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.setViewportSize({ width: 1280, height: 860 });
    await page.keyboard.press('Escape');
    await hidden(dialog);
  });
});
