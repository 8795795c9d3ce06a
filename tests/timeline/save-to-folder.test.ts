// "Save to folder…" in the exports panel (desktop only), in Chromium with the
// desktop bridge faked: the Electron binary cannot run here, so the page gets
// a stand-in `window.keepwatchDesktop` (as the preload would expose it) whose
// answers the test controls. The folder dialog and the copy are main's and
// the engine's (tests/desktop/export-save.test.ts, tests/timeline/export.test.ts);
// here: the button appears only with the bridge, calls its two operations with
// the export's id and main's opaque choice (never a path), shows the stages
// while it waits, and shows the verify result of a real copy (writeTo).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { ExportJob, SavedExport } from '../../preload/api.ts';
import { recordSegments, startTimelineFixture, stopRecording, type TimelineFixture } from './fixture.ts';

declare const window: {
  __saveCalls: { op: string; input: unknown }[];
  __finishSave: (result: unknown) => void;
  __chooseAnswer: unknown;
};

let f: TimelineFixture;
let camera: number;
let job: ExportJob;

/**
 * Installed before the app's scripts: what preload/index.ts would expose,
 * answered by the test. A string, not a function: the test's own code is
 * transformed by Vite and could carry helpers the page does not have.
 */
const FAKE_DESKTOP_BRIDGE = `
  window.__saveCalls = [];
  window.__chooseAnswer = { ok: true, value: { chosen: true, choice: 'opaque-choice-1', folder: '/home/user/Exports' } };
  window.keepwatchDesktop = Object.freeze({
    chooseExportFolder: async (input) => {
      window.__saveCalls.push({ op: 'chooseExportFolder', input });
      return window.__chooseAnswer;
    },
    saveExportToFolder: (input) => {
      window.__saveCalls.push({ op: 'saveExportToFolder', input });
      return new Promise((resolve) => (window.__finishSave = resolve));
    },
  });
`;

beforeAll(async () => {
  f = await startTimelineFixture([{ fps: 15, width: 640, height: 360 }], { renderer: true });
  camera = f.cameraIds[0];
  await recordSegments(f, camera, 3, 60_000);
  await stopRecording(f, camera);
  const segs = f.segments(camera);
  const created = await f.api<ExportJob>('POST', '/api/exports', { cameras: [camera], from: segs[0].start, to: segs[1].end });
  expect(created.status).toBe(201);
  job = await f.waitFor(`export ${created.body.id}`, async () => {
    const r = await f.api<ExportJob>('GET', `/api/exports/${created.body.id}`);
    return r.body.state === 'done' ? r.body : null;
  }, 60_000);
}, 120_000);

afterAll(async () => {
  await f?.stop();
}, 30_000);

async function openExports(page: Page): Promise<void> {
  await page.goto(`http://127.0.0.1:${f.app.port}/#/timeline?cameras=${camera}&t=${job.from}`);
  await page.click('[data-testid=exports-toggle]');
  await page.waitForSelector(`[data-testid=exports-panel] li[data-state=done]`);
}

const status = (page: Page) => page.locator('[data-testid=export-save-status]');

describe('Save to folder… (desktop bridge faked)', () => {
  it('is not offered in a plain browser', async () => {
    const { page, errors } = await f.browser();
    await openExports(page);
    expect(await page.getByRole('button', { name: 'Download' }).count() + (await page.locator('a', { hasText: 'Download' }).count())).toBeGreaterThan(0);
    expect(await page.getByRole('button', { name: 'Save to folder…' }).count()).toBe(0);
    expect(errors).toEqual([]);
    await page.context().close();
  }, 60_000);

  it('asks main for a folder, shows the copy under way, then the verify result of the copy', async () => {
    const { context, page, errors } = await f.browser();
    await context.addInitScript(FAKE_DESKTOP_BRIDGE);
    await page.goto('about:blank'); // the next load is a new document, which runs the init script
    await openExports(page);
    const button = page.getByRole('button', { name: 'Save to folder…' });
    await button.click();

    // The dialog answered; the copy is running: the page says where to, and waits.
    await expect.poll(() => status(page).getAttribute('data-stage'), { timeout: 5000 }).toBe('copying');
    expect(await status(page).textContent()).toContain('Copying to /home/user/Exports and checking the copy');
    expect(await button.isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Delete' }).isDisabled()).toBe(true); // not while its files are being copied
    expect(await page.evaluate(() => window.__saveCalls)).toEqual([
      { op: 'chooseExportFolder', input: { id: job.id } },
      { op: 'saveExportToFolder', input: { id: job.id, choice: 'opaque-choice-1' } },
    ]);

    // What main would answer: a real copy into a folder, verified by the engine.
    const parent = join(f.dir, 'chosen-folder');
    mkdirSync(parent);
    const saved: SavedExport = await f.app.engine.exports.writeTo(job.id, parent);
    expect(saved.report.ok).toBe(true);
    await page.evaluate((value) => window.__finishSave({ ok: true, value }), saved);
    await expect.poll(() => status(page).getAttribute('data-stage'), { timeout: 5000 }).toBe('saved');
    const n = saved.report.files.length; // the media files the manifest lists
    expect(n).toBe(job.files.filter((x) => x.name !== 'manifest.json').length);
    expect(await status(page).textContent()).toBe(`Saved to ${saved.folder}. Checked: ${n === 1 ? 'the file matches' : `all ${n} files match`} the manifest.`);
    expect(await button.isDisabled()).toBe(false);

    // Saving into the same folder again: the engine refuses (the folder exists); the page says so.
    await button.click();
    await expect.poll(() => status(page).getAttribute('data-stage'), { timeout: 5000 }).toBe('copying');
    const again = await f.app.engine.exports.writeTo(job.id, parent).then(
      () => null,
      (err: Error & { code?: string }) => ({ code: err.code ?? 'conflict', message: err.message }),
    );
    expect(again?.message).toMatch(/already exists/);
    await page.evaluate((error) => window.__finishSave({ ok: false, error }), again);
    await expect.poll(() => status(page).getAttribute('data-stage'), { timeout: 5000 }).toBe('failed');
    expect(await status(page).textContent()).toBe(`Not saved: ${again!.message}`);

    // A copy that does not match its manifest is reported as such, not as saved.
    await button.click();
    await expect.poll(() => status(page).getAttribute('data-stage'), { timeout: 5000 }).toBe('copying');
    const bad = { ...saved, report: { ...saved.report, ok: false, summary: 'camera-1.mp4: SHA-256 differs from the manifest' } };
    await page.evaluate((value) => window.__finishSave({ ok: true, value }), bad);
    await expect.poll(() => status(page).getAttribute('data-stage'), { timeout: 5000 }).toBe('saved');
    expect(await status(page).getAttribute('class')).toContain('kwt-exports__error');
    expect(await status(page).textContent()).toBe(`Saved to ${saved.folder}, but the copy does not match: camera-1.mp4: SHA-256 differs from the manifest`);

    // Cancelling the dialog copies nothing and clears the status.
    await page.evaluate(() => (window.__chooseAnswer = { ok: true, value: { chosen: false } }));
    await button.click();
    await expect.poll(() => status(page).count(), { timeout: 5000 }).toBe(0);
    expect((await page.evaluate(() => window.__saveCalls)).filter((c) => c.op === 'saveExportToFolder')).toHaveLength(3);
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);
});
