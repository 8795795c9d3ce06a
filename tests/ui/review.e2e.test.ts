/**
 * Browser end-to-end test of detection's UI (issue 12, test 5), in Debian's
 * Chromium (playwright-core) against the headless server and one simulated
 * RTSP camera on loopback. The camera loops a scene made from Debian's darknet
 * person.jpg (tests/sim/darknet.ts): a person walks into an empty field and
 * stands there.
 *
 * 1. Cameras → Detection: the camera's snapshot, a zone drawn around where the
 *    person will stand (Escape cancels a half-drawn polygon, Delete removes a
 *    selected mask, a point is dragged), renamed, saved; the engine's config
 *    is checked.
 * 2. The real pipeline (motion → objects → zones → review) makes an alert;
 *    the Review page shows it with its thumbnail and the zone's name.
 * 3. Keyboard: Enter opens it in the timeline at its moment; R marks it
 *    reviewed (checked in the API); E opens the export prefilled with it,
 *    which runs; #/review/<id> opens the item.
 * Screenshots go to test-artifacts/ui/.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { ReviewItem } from '../../preload/api.ts';
import { startHeadless, type Headless } from '../../main/headless.ts';
import { startSimCameras, type SimCameraSet } from '../sim/cameras.ts';
import { darknetDir, darknetPicture } from '../sim/darknet.ts';
import { FAST_RECORDER } from '../helpers/engine.ts';
import { waitFor } from '../helpers/wait.ts';
import { attr, count, hasText, hidden, visible } from './page-expect.ts';
import { buildUi } from './ui-target.ts';
import { toDateTimeLocalValue } from '../../renderer/src/timeline/time-axis.ts';

// Page-side code (page.evaluate) runs in Chromium; the node tsconfig has no DOM types.
declare const location: { hash: string };
interface PageImage {
  complete: boolean;
  naturalWidth: number;
}

const ARTIFACTS = join(process.cwd(), 'test-artifacts/ui');
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
/** Where the person stands in person.jpg (640×424), in 0–1 of the picture, with a margin: the zone is drawn around it. */
const PERSON_ZONE: [number, number][] = [
  [0.24, 0.16],
  [0.5, 0.16],
  [0.5, 0.97],
  [0.24, 0.97],
];

let sims: SimCameraSet;
let app: Headless;
let context: BrowserContext;
let page: Page;
let cameraId: number;
const tmp: string[] = [];
const pageErrors: string[] = [];

const temp = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tmp.push(dir);
  return dir;
};
const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), animations: 'disabled' });
const call = async <T,>(op: string, input: unknown): Promise<T> => {
  const r = await app.dispatcher.dispatch(op as never, input as never, { caller: app.localCaller });
  if (!r.ok) throw new Error(`${op}: ${r.error.message}`);
  return r.value as T;
};

/**
 * The looping scene (12 s): the field with the person's strip replaced by the
 * grass beside it (empty), and the person (cut from the real picture) walking
 * in from the left over 4 s to where she stands in person.jpg, then standing
 * there. At the loop she is gone again.
 */
function makeScene(dir: string): string {
  const person = darknetPicture('person');
  const empty = join(dir, 'empty.png');
  const clip = join(dir, 'scene.mp4');
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', person, '-filter_complex', '[0]split[a][b];[b]crop=100:290:290:88[patch];[a][patch]overlay=183:88', '-frames:v', '1', empty]);
  // prettier-ignore
  execFileSync('ffmpeg', [
    '-v', 'error', '-y',
    '-loop', '1', '-framerate', '10', '-t', '12', '-i', empty,
    '-loop', '1', '-framerate', '10', '-t', '12', '-i', person,
    '-filter_complex', "[1]crop=88:282:189:96[p];[0][p]overlay=x='if(lt(t,4),-88+277*t/4,189)':y=96:shortest=1,format=yuv420p",
    '-c:v', 'libx264', '-preset', 'ultrafast', '-bf', '0', '-g', '10', '-keyint_min', '10', '-b:v', '1M',
    '-movflags', '+faststart', clip,
  ]);
  return clip;
}

beforeAll(async () => {
  if (!darknetDir()) throw new Error('darknet test pictures are missing: see tests/sim/darknet.ts');
  mkdirSync(ARTIFACTS, { recursive: true });
  const clip = makeScene(temp('kw-review-scene-'));
  const [set, ui] = await Promise.all([startSimCameras([{ file: clip, subFile: clip }]), buildUi(temp('kw-review-ui-'))]);
  sims = set;
  app = await startHeadless({ dataDir: temp('kw-review-data-'), port: 0, staticDir: ui.staticDir, recorder: FAST_RECORDER, logSink: { write() {} } });
  app.engine.updateSettings({ segmentSeconds: 2, freeSpaceFloorBytes: 0 });
  const cam = await app.engine.cameras.add({ name: 'Gate', mainUrl: sims.cameras[0].mainUrl, subUrl: sims.cameras[0].subUrl });
  cameraId = cam.id;
  context = await chromium.launchPersistentContext(temp('kw-review-chromium-'), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1360, height: 860 },
    args: CHROMIUM_ARGS,
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) pageErrors.push(m.text());
  });
  await page.goto(app.url); // sets the token cookie
}, 120_000);

afterAll(async () => {
  await context?.close();
  await app?.stop();
  await sims?.stopAll();
  for (const dir of tmp) rmSync(dir, { recursive: true, force: true });
  expect(pageErrors).toEqual([]);
}, 60_000);

/** Clicks at (x, y) in 0–1 of the drawing surface. */
async function clickAt(x: number, y: number): Promise<void> {
  const box = await page.getByTestId('polygon-canvas').boundingBox();
  if (!box) throw new Error('the drawing surface is not visible');
  await page.mouse.click(box.x + box.width * x, box.y + box.height * y);
}

/** Drags with the mouse from one point to another, in 0–1 of the drawing surface. */
async function dragFrom(from: [number, number], to: [number, number]): Promise<void> {
  const box = await page.getByTestId('polygon-canvas').boundingBox();
  if (!box) throw new Error('the drawing surface is not visible');
  await page.mouse.move(box.x + box.width * from[0], box.y + box.height * from[1]);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * ((from[0] + to[0]) / 2), box.y + box.height * ((from[1] + to[1]) / 2), { steps: 4 });
  await page.mouse.move(box.x + box.width * to[0], box.y + box.height * to[1], { steps: 4 });
  await page.mouse.up();
}

describe('detection settings', () => {
  it('draws a zone on the camera snapshot and saves it', async () => {
    await page.goto(`http://127.0.0.1:${app.port}/#/cameras`);
    // The camera records first: its snapshot is a frame of its stream.
    await waitFor(async () => (await call<{ status: { state: string } }>('getCamera', { id: cameraId })).status.state === 'recording', { timeoutMs: 30_000, what: 'the camera recording' });
    await page.getByRole('button', { name: 'Detection settings of Gate' }).click();
    const dialog = page.getByRole('dialog', { name: 'Detection · Gate' });
    await visible(dialog);
    const picture = dialog.getByTestId('detection-picture');
    await visible(picture, 30_000);
    await attr(picture, 'data-source', 'snapshot');
    await waitFor(() => picture.evaluate((img) => (img as unknown as PageImage).complete && (img as unknown as PageImage).naturalWidth > 0), { timeoutMs: 10_000, what: 'the snapshot decoded' });

    await dialog.locator('.kwd-switch').click();
    await expect(dialog.getByTestId('detection-enabled').isChecked()).resolves.toBe(true);
    // Keyframes only while the picture is still: on by default (the person later in this test is still found).
    await expect(dialog.getByTestId('detection-still-keyframes').isChecked()).resolves.toBe(true);

    // A half-drawn polygon: Escape cancels it and leaves the dialog open.
    await dialog.getByTestId('draw-zone').click();
    await clickAt(0.1, 0.1);
    await clickAt(0.2, 0.1);
    await page.keyboard.press('Escape');
    await visible(dialog);
    await count(dialog.locator('.kwd-draft'), 0);
    await attr(dialog.getByTestId('draw-zone'), 'aria-pressed', 'false');

    // A mask on the sky, selected and removed with Delete.
    await dialog.getByTestId('draw-mask').click();
    for (const [x, y] of [[0.6, 0.02], [0.95, 0.02], [0.95, 0.15]] as const) await clickAt(x, y);
    await page.keyboard.press('Enter');
    await count(dialog.getByTestId('mask-row'), 1);
    await clickAt(0.85, 0.06);
    await attr(dialog.locator('[data-shape="mask-0"]'), 'class', 'kwd-shape kwd-shape--mask is-selected');
    await page.keyboard.press('Delete');
    await count(dialog.getByTestId('mask-row'), 0);

    // The zone around where the person will stand: four clicks (the second one
    // off to the right), the first point again closes it, then the stray point
    // is dragged into place.
    await dialog.getByTestId('draw-zone').click();
    const stray: [number, number] = [PERSON_ZONE[1][0] + 0.12, PERSON_ZONE[1][1] + 0.1];
    for (const [x, y] of [PERSON_ZONE[0], stray, PERSON_ZONE[2], PERSON_ZONE[3]]) await clickAt(x, y);
    await clickAt(PERSON_ZONE[0][0], PERSON_ZONE[0][1]);
    await count(dialog.getByTestId('zone-row'), 1);
    await dragFrom(stray, PERSON_ZONE[1]);
    await dialog.getByLabel('Name of zone 1').fill('Gate path');
    await shot('detection-zone-drawn');
    // Esc with unsaved changes does not lose them: the dialog stays and says so.
    await page.keyboard.press('Escape');
    await hasText(dialog.locator('.kwf-form-error'), 'unsaved changes');
    await visible(dialog);

    await dialog.getByTestId('detection-save').click();
    await hasText(dialog.locator('.kwf-actions__note'), 'Saved');
    const saved = await call<{ config: { enabled: boolean; stillDecoding: string; zones: { id: string; name: string; polygon: [number, number][] }[]; masks: unknown[] } }>('getDetection', { id: cameraId });
    expect(saved.config.enabled).toBe(true);
    expect(saved.config.stillDecoding).toBe('keyframes');
    expect(saved.config.masks).toEqual([]);
    expect(saved.config.zones.map((z) => [z.id, z.name])).toEqual([['gate-path', 'Gate path']]);
    const polygon = saved.config.zones[0].polygon;
    expect(polygon).toHaveLength(4);
    polygon.forEach(([x, y], i) => {
      expect(Math.abs(x - PERSON_ZONE[i][0]), `x of point ${i}`).toBeLessThan(0.01);
      expect(Math.abs(y - PERSON_ZONE[i][1]), `y of point ${i}`).toBeLessThan(0.01);
    });
    await dialog.getByRole('button', { name: 'Close', exact: true }).last().click();
    await hidden(dialog);
  }, 90_000);
});

describe('review', () => {
  let alert: ReviewItem;

  it('shows the alert with its thumbnail and zone', async () => {
    const recent = () => ({ from: Date.now() - 3600_000, to: Date.now() + 60_000, camera: cameraId });
    alert = await waitFor(
      async () => {
        const items = await call<ReviewItem[]>('listReview', { ...recent(), severity: 'alert' });
        return items.find((i) => i.labels.includes('person') && i.zones.includes('gate-path') && i.thumbnailId !== null);
      },
      { timeoutMs: 90_000, intervalMs: 500, what: 'a person alert in the zone, with a thumbnail' },
    ).catch(async (err: Error) => {
      // What the pipeline did instead, for whoever reads the failure.
      const seen = {
        detection: await call('getDetection', { id: cameraId }).catch((e: Error) => e.message),
        review: await call('listReview', recent()).catch((e: Error) => e.message),
        events: await call('listEvents', recent()).catch((e: Error) => e.message),
      };
      throw new Error(`${err.message}\n${JSON.stringify(seen, null, 1).slice(0, 4000)}`);
    });
    await page.goto(`http://127.0.0.1:${app.port}/#/review`);
    const card = page.locator(`[data-testid=review-item][data-review-id="${alert.id}"]`);
    await visible(card, 15_000);
    await attr(card, 'data-severity', 'alert');
    await hasText(card, 'Person');
    await hasText(card.locator('.kwr-zone'), 'Gate path');
    const thumb = card.getByTestId('review-thumbnail');
    await waitFor(() => thumb.evaluate((img) => (img as unknown as PageImage).complete && (img as unknown as PageImage).naturalWidth > 0), { timeoutMs: 10_000, what: 'the thumbnail decoded' });
    await shot('review-alert');
  }, 120_000);

  /** Moves the keyboard cursor (j) onto the alert's card. */
  async function cursorOnAlert(): Promise<void> {
    const card = page.locator(`[data-testid=review-item][data-review-id="${alert.id}"]`);
    await visible(card);
    for (let i = 0; (await card.getAttribute('aria-current')) !== 'true' && i < 50; i++) await page.keyboard.press('j');
    await attr(card, 'aria-current', 'true');
  }

  it('opens it in the timeline at its moment (Enter)', async () => {
    await page.goto(`http://127.0.0.1:${app.port}/#/review?camera=${cameraId}&severity=alert`);
    await cursorOnAlert();
    await page.keyboard.press('Enter');
    const timeline = page.getByTestId('timeline-page');
    await visible(timeline);
    expect(await page.evaluate(() => location.hash)).toMatch(new RegExp(`^#/timeline\\?cameras=${cameraId}&t=`));
    const moment = Math.min(alert.clipStart, alert.start);
    await waitFor(async () => Math.abs(Number(await timeline.getAttribute('data-playhead')) - moment) < 2000, { timeoutMs: 10_000, what: 'the playhead at the alert' });
    // Its events are markers on the track; "next event" from just before the moment lands on one of them.
    const events = await call<{ start: number }[]>('listEvents', { camera: cameraId, from: alert.clipStart, to: alert.end ?? Date.now() });
    expect(events.length).toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Next event' }).click();
    await waitFor(
      async () => {
        const playhead = Number(await timeline.getAttribute('data-playhead'));
        return events.some((e) => Math.abs(playhead - e.start) < 1500);
      },
      { timeoutMs: 10_000, what: 'the playhead on the next event' },
    );
    // The object event is a marker on the camera's track: hovering it names it.
    const timelineAnswer = await call<{ cameras: { events: { kind: string; start: number }[] }[] }>('getTimeline', { cameras: [cameraId], from: moment - 60_000, to: Date.now() });
    const objectEvent = timelineAnswer.cameras[0].events.find((e) => e.kind === 'object');
    expect(objectEvent, 'an object event in the timeline answer').toBeDefined();
    const canvas = page.locator('.kwt-tracks__canvas');
    const [from, to] = [Number(await canvas.getAttribute('aria-valuemin')), Number(await canvas.getAttribute('aria-valuemax'))];
    const box = (await canvas.boundingBox())!;
    await page.mouse.move(box.x + ((objectEvent!.start - from) / (to - from)) * box.width + 1, box.y + 30 + 17);
    await hasText(page.getByTestId('preview-events'), 'object');
    await page.mouse.move(0, 0);
    // The footage at the alert plays: the person is on screen.
    await attr(page.locator(`.kwt-tile[data-camera-id="${cameraId}"]`), 'data-state', 'ready', 30_000);
    await shot('review-timeline');
    await page.goBack();
  }, 60_000);

  it('marks it reviewed (R) and exports it (E)', async () => {
    await cursorOnAlert();
    const card = page.locator(`[data-testid=review-item][data-review-id="${alert.id}"]`);
    await page.keyboard.press('r');
    await attr(card, 'data-reviewed', 'true');
    expect((await call<ReviewItem>('getReviewItem', { id: alert.id })).reviewed).toBe(true);
    await shot('review-reviewed');

    await page.keyboard.press('e');
    const dialog = page.getByTestId('export-dialog');
    await visible(dialog);
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    expect(await page.getByTestId('export-from').inputValue()).toBe(toDateTimeLocalValue(alert.clipStart, zone));
    await shot('review-export');
    await page.getByTestId('export-start').click();
    await attr(page.getByTestId('export-job'), 'data-state', 'done', 60_000);
    await page.keyboard.press('Escape');
    await hidden(dialog);
  }, 90_000);

  it('marks every item shown as reviewed', async () => {
    await call('setReviewed', { id: alert.id, reviewed: false });
    await page.goto(`http://127.0.0.1:${app.port}/#/review?camera=${cameraId}&reviewed=all`);
    const button = page.getByTestId('review-mark-all');
    await hasText(button, /Mark all shown reviewed \(\d+\)/);
    await button.click();
    await hasText(page.locator('.kwr-banner--ok'), 'marked reviewed');
    const left = await call<ReviewItem[]>('listReview', { from: Date.now() - 3600_000, to: Date.now() + 60_000, camera: cameraId, reviewed: false });
    // Items still open may have begun after the click; everything that was shown is reviewed.
    const cards = await page.locator('[data-testid=review-item]').evaluateAll((els) => els.map((el) => Number((el as unknown as { getAttribute(n: string): string }).getAttribute('data-review-id'))));
    expect(left.filter((i) => cards.includes(i.id))).toEqual([]);
  }, 30_000);

  it('opens one item by its address (a notification link), even when reviewed', async () => {
    // The default filters list only items not reviewed yet; the linked one is shown anyway, under the cursor.
    await page.goto(`http://127.0.0.1:${app.port}/#/review/${alert.id}`);
    const card = page.locator(`[data-testid=review-item][data-review-id="${alert.id}"]`);
    await visible(card);
    await attr(card, 'data-reviewed', 'true');
    await attr(card, 'aria-current', 'true');
  }, 30_000);
});
