#!/usr/bin/env node
/**
 * Renders Keepwatch's icons from their SVG sources (`npm run icons`):
 *
 *   resources/icon.svg  → resources/build/icon.png (1024 px), icon.ico (16–256),
 *                         icon.icns (16–1024, retina pairs), icons/<n>x<n>.png (Linux),
 *                         and resources/icon.png (512 px: the window icon on Linux)
 *   resources/tray.svg  → resources/tray/<state>.png (16 px) and <state>@2x.png (32 px),
 *                         one per tray state, in the theme's colour for it
 *
 * and writes resources/build/icons.json: the SHA-256 of every source and
 * output, so tests/desktop/icons.test.ts can tell (without a browser) that
 * the committed files are the current rendering of the current sources.
 *
 * Rendering uses the Debian Chromium at /usr/bin/chromium through
 * playwright-core (no browser download); ICO and ICNS are written here (both
 * are a small index of embedded PNGs). The outputs are committed, so neither
 * the build nor the tests need Chromium for icons; run this after changing a
 * source or a theme colour. Chromium is started without network access
 * (offline flags), and the page loads nothing but inline SVG.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const RES = join(ROOT, 'resources');
const THEME = join(ROOT, 'renderer/src/ui/theme.css');

/** Tray state → theme custom property (main/electron/tray-status.ts names the states). */
export const TRAY_STATE_COLOURS = { ok: '--kw-ok', warn: '--kw-warn', error: '--kw-danger', idle: '--kw-muted' };
const ICO_SIZES = [16, 24, 32, 48, 64, 128, 256];
const LINUX_SIZES = [16, 32, 48, 64, 128, 256, 512];
/** ICNS entry types holding PNG data, by pixel size (the @2x types repeat sizes). */
const ICNS_TYPES = [
  ['icp4', 16], ['icp5', 32], ['icp6', 64], ['ic07', 128], ['ic08', 256], ['ic09', 512], ['ic10', 1024],
  ['ic11', 32], ['ic12', 64], ['ic13', 256], ['ic14', 512],
];

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

/** The theme's colours, by custom property name (#rrggbb). */
export function themeColours(css) {
  const out = {};
  for (const m of css.matchAll(/(--kw-[a-z0-9-]+):\s*(#[0-9a-fA-F]{6})\b/g)) out[m[1]] = m[2].toLowerCase();
  return out;
}

/** ICO: a directory of PNG images (Vista+ format, fine for NSIS and Windows 7+). */
export function packIco(pngs) {
  const head = Buffer.alloc(6);
  head.writeUInt16LE(0, 0);
  head.writeUInt16LE(1, 2); // type: icon
  head.writeUInt16LE(pngs.length, 4);
  const entries = [];
  let offset = 6 + 16 * pngs.length;
  for (const { size, png } of pngs) {
    const e = Buffer.alloc(16);
    e[0] = size >= 256 ? 0 : size; // 0 means 256
    e[1] = size >= 256 ? 0 : size;
    e.writeUInt16LE(1, 4); // planes
    e.writeUInt16LE(32, 6); // bits per pixel
    e.writeUInt32LE(png.length, 8);
    e.writeUInt32LE(offset, 12);
    offset += png.length;
    entries.push(e);
  }
  return Buffer.concat([head, ...entries, ...pngs.map((p) => p.png)]);
}

/** ICNS: 'icns' + total length, then (type, length incl. header, PNG) entries. */
export function packIcns(entries) {
  const parts = entries.map(({ type, png }) => {
    const h = Buffer.alloc(8);
    h.write(type, 0, 'ascii');
    h.writeUInt32BE(png.length + 8, 4);
    return Buffer.concat([h, png]);
  });
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(8);
  head.write('icns', 0, 'ascii');
  head.writeUInt32BE(body.length + 8, 4);
  return Buffer.concat([head, body]);
}

async function render(page, svg, size, colour) {
  const html =
    '<!doctype html><html><head><style>html,body{margin:0;background:transparent}' +
    `svg{display:block;width:${size}px;height:${size}px;color:${colour ?? 'black'}}</style></head><body>${svg}</body></html>`;
  await page.setContent(html);
  return page.screenshot({ clip: { x: 0, y: 0, width: size, height: size }, omitBackground: true, type: 'png' });
}

async function main() {
  const iconSvg = readFileSync(join(RES, 'icon.svg'), 'utf8');
  const traySvg = readFileSync(join(RES, 'tray.svg'), 'utf8');
  const colours = themeColours(readFileSync(THEME, 'utf8'));
  const stripComment = (svg) => svg.replace(/<!--[\s\S]*?-->/g, '').trim();

  const profile = mkdtempSync(join(tmpdir(), 'kw-icons-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1024, height: 1024 },
    deviceScaleFactor: 1,
    offline: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const outputs = {};
  const write = (rel, bytes) => {
    const file = join(RES, rel);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, bytes);
    outputs[rel] = sha256(bytes);
  };
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const app = stripComment(iconSvg);
    const bySize = new Map();
    for (const size of new Set([...ICO_SIZES, ...LINUX_SIZES, ...ICNS_TYPES.map(([, s]) => s), 1024])) bySize.set(size, await render(page, app, size));

    write('build/icon.png', bySize.get(1024));
    write('build/icon.ico', packIco(ICO_SIZES.map((size) => ({ size, png: bySize.get(size) }))));
    write('build/icon.icns', packIcns(ICNS_TYPES.map(([type, size]) => ({ type, png: bySize.get(size) }))));
    for (const size of LINUX_SIZES) write(`build/icons/${size}x${size}.png`, bySize.get(size));
    write('icon.png', bySize.get(512));

    const tray = stripComment(traySvg);
    for (const [state, property] of Object.entries(TRAY_STATE_COLOURS)) {
      const colour = colours[property];
      if (!colour) throw new Error(`${property} is not defined in ${THEME}`);
      write(`tray/${state}.png`, await render(page, tray, 16, colour));
      write(`tray/${state}@2x.png`, await render(page, tray, 32, colour));
    }
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }

  const manifest = {
    note: 'Written by scripts/make-icons.mjs (npm run icons). Checked by tests/desktop/icons.test.ts.',
    sources: {
      'icon.svg': sha256(iconSvg),
      'tray.svg': sha256(traySvg),
      trayColours: Object.fromEntries(Object.entries(TRAY_STATE_COLOURS).map(([state, p]) => [state, colours[p]])),
    },
    outputs,
  };
  write('build/icons.json', JSON.stringify(manifest, null, 2) + '\n');
  process.stdout.write(`wrote ${Object.keys(outputs).length} files under resources/\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err) => {
    process.stderr.write(`${err.stack ?? err}\n`);
    process.exit(1);
  });
}
