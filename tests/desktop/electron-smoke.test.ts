/**
 * (7) The real desktop app, started by Playwright's _electron with a
 * temporary data folder: the window shows the live grid, the bridge is the
 * contract and nothing more, Node is out of reach, remote requests are
 * cancelled by the session's request filter (seen in its log line and in the
 * ERR_BLOCKED_BY_CLIENT it causes, not merely "fetch threw", which CSP or the
 * missing network would cause anyway), and quitting stops the engine.
 *
 * Needs the Electron binary (node_modules/electron/dist), which these
 * machines cannot download: here the suite is skipped with the reason
 * printed. On a networked machine (docs/release.md, "Smoke test"):
 *   npx electron-builder install-app-deps   # better-sqlite3 for Electron's ABI
 *   npx vitest run tests/desktop/electron-smoke.test.ts
 *   npm rebuild better-sqlite3               # back to Node's ABI for the other tests
 * KEEPWATCH_ELECTRON_APP=/path/to/dist/linux-unpacked/keepwatch runs it
 * against a packaged test build (npm run dist:test) instead.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { OPERATION_NAMES } from '../../preload/api.ts';
import { tempDir } from '../helpers/tmp.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const ELECTRON_DIST = join(ROOT, 'node_modules', 'electron', 'dist');
const packaged = process.env.KEEPWATCH_ELECTRON_APP ?? null;
const binary = process.platform === 'win32' ? 'electron.exe' : process.platform === 'darwin' ? 'Electron.app/Contents/MacOS/Electron' : 'electron';
const available = packaged !== null || existsSync(join(ELECTRON_DIST, binary));

if (!available) {
  process.stdout.write(
    `[desktop smoke] skipped: ${ELECTRON_DIST} is missing (the Electron binary cannot be downloaded on this machine). ` +
      'Run it on a networked machine: see docs/release.md, "Smoke test".\n',
  );
}

describe.skipIf(!available)('the desktop app (Playwright _electron)', () => {
  const tmp = tempDir('kw-electron-');
  let app: ElectronApplication | null = null;
  let page: Page;
  /** The main process's stdout: main.ts logs "[keepwatch] blocked request to <origin>" for every cancel. */
  let mainLog = '';
  afterAll(async () => {
    await app?.close().catch(() => undefined);
    tmp.cleanup();
  });

  it('starts with a temporary data folder and shows the grid', async () => {
    if (!packaged) {
      const build = spawnSync(process.execPath, [join(ROOT, 'node_modules/electron-vite/bin/electron-vite.js'), 'build', '--logLevel', 'warn'], { cwd: ROOT, encoding: 'utf8' });
      expect(build.status, build.stderr).toBe(0);
    }
    const recordings = join(tmp.dir, 'recordings');
    mkdirSync(recordings);
    app = await _electron.launch({
      executablePath: packaged ?? join(ELECTRON_DIST, binary),
      args: packaged ? [] : [ROOT],
      env: { ...process.env, KEEPWATCH_DATA_DIR: join(tmp.dir, 'app-data'), KEEPWATCH_RECORDINGS_DIR: recordings },
      timeout: 60_000,
    });
    app.process().stdout?.on('data', (chunk: Buffer) => (mainLog += chunk.toString('utf8')));
    page = await app.firstWindow();
    // The window shows the engine's own loopback server (docs/desktop.md).
    await page.waitForURL(/^http:\/\/127\.0\.0\.1:\d+\//, { timeout: 60_000 });
    await page.waitForSelector('[data-testid="live-empty"], [data-testid="live-grid"]', { timeout: 30_000 });

    // Through the bridge: a camera that does not answer still gets its tile.
    const added = await page.evaluate(() =>
      (globalThis as unknown as { keepwatch: { addCamera(i: unknown): Promise<{ ok: boolean }> } }).keepwatch.addCamera({ name: 'Smoke', mainUrl: 'rtsp://127.0.0.1:9/none' }),
    );
    expect(added.ok).toBe(true);
    await page.waitForSelector('[data-testid="live-grid"] [data-testid="live-tile"]', { timeout: 30_000 });
    mkdirSync(join(ROOT, 'test-artifacts', 'desktop'), { recursive: true });
    await page.screenshot({ path: join(ROOT, 'test-artifacts', 'desktop', 'electron-grid.png') });
  }, 180_000);

  it('exposes the contract only and keeps Node out of the page', async () => {
    const facts = await page.evaluate(async () => {
      const w = globalThis as unknown as Record<string, unknown>;
      return {
        keys: Object.keys(w.keepwatch as object).sort(),
        require: typeof w.require,
        process: typeof w.process,
        invalid: await (w.keepwatch as { getCamera(i: unknown): Promise<unknown> }).getCamera({ id: '../../etc/passwd' }),
      };
    });
    expect(facts.keys).toEqual([...OPERATION_NAMES].sort());
    expect(facts.require).toBe('undefined');
    expect(facts.process).toBe('undefined');
    expect(facts.invalid).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
  });

  it("the app page's CSP refuses a remote fetch before it leaves the page", async () => {
    const outcome = await page.evaluate(async () => {
      type Violation = { effectiveDirective: string; blockedURI: string };
      const doc = (globalThis as unknown as { document: { addEventListener(t: string, f: (e: Violation) => void): void; removeEventListener(t: string, f: (e: Violation) => void): void } }).document;
      const violations: string[] = [];
      const onViolation = (e: Violation) => violations.push(`${e.effectiveDirective} ${e.blockedURI}`);
      doc.addEventListener('securitypolicyviolation', onViolation);
      let fetched = 'loaded';
      try {
        await fetch('https://example.com/csp-probe');
      } catch {
        fetched = 'failed';
      }
      // The violation event is queued as a task: wait until it arrived (bounded).
      for (let i = 0; i < 40 && violations.length === 0; i++) await new Promise((r) => setTimeout(r, 25));
      doc.removeEventListener('securitypolicyviolation', onViolation);
      return { fetched, violations };
    });
    expect(outcome).toEqual({ fetched: 'failed', violations: ['connect-src https://example.com/csp-probe'] });
  });

  it("the session's request filter cancels a remote request that no CSP stops", async () => {
    const before = mainLog.length;
    // A window with no app page (so no CSP) in the app's session: only the request filter stands between it and the network.
    const failure = await app!.evaluate(async ({ BrowserWindow }) => {
      const probe = new BrowserWindow({ show: false });
      try {
        await probe.loadURL('https://filter-probe.example/');
        return 'loaded';
      } catch (err) {
        return `${(err as { code?: string }).code} ${(err as Error).message}`;
      } finally {
        probe.destroy();
      }
    });
    // ERR_BLOCKED_BY_CLIENT is what a webRequest cancel produces; no network would give ERR_NAME_NOT_RESOLVED.
    expect(failure).toMatch(/ERR_BLOCKED_BY_CLIENT/);
    await expect.poll(() => mainLog.slice(before), { timeout: 5000 }).toContain('[keepwatch] blocked request to https://filter-probe.example');
  });

  it('quits cleanly, stopping the engine', async () => {
    await app!.close();
    app = null;
    expect(existsSync(join(tmp.dir, 'app-data', 'engine', 'engine.lock'))).toBe(false);
  }, 60_000);
});
