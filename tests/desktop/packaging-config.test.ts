/**
 * electron-builder.yml, checked offline with electron-builder's own loader
 * and schema validation (packaging itself needs the network: docs/release.md).
 */
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { createRequire } from 'node:module';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { locateBinary } from '../../main/engine/ingest/ffmpeg-locator.ts';
import { tempDir } from '../helpers/tmp.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const require = createRequire(import.meta.url);
type Config = Record<string, any>;
let config: Config;
const pkg = require(join(ROOT, 'package.json')) as { scripts: Record<string, string> };

beforeAll(async () => {
  const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config.js');
  const { DebugLogger } = require('builder-util');
  config = await getConfig(ROOT, null, null);
  await validateConfiguration(config, new DebugLogger(false)); // throws on any unknown or mistyped key
});

describe('electron-builder.yml', () => {
  it('builds AppImage + deb, NSIS and dmg', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.win.target).toEqual(['nsis']);
    expect(config.mac.target).toEqual(['dmg']);
  });

  it('publishes nothing (no update checks)', () => {
    expect(config.publish).toBeNull();
    expect(JSON.stringify(config)).not.toMatch(/"provider"|autoUpdate|update\.electronjs/);
  });

  it('sets the fuses', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
    expect(config.asar).toBe(true);
  });

  it('rebuilds native modules for Electron and keeps them out of the archive', () => {
    expect(config.npmRebuild).toBe(true);
    expect(config.asarUnpack).toContain('**/*.node');
  });

  it('ships only the bundles and the converted detection model, unpacked', () => {
    const patterns: string[] = config.files.flatMap((f: string | { filter: string[] }) => (typeof f === 'string' ? [f] : f.filter));
    expect(patterns.filter((f) => !f.startsWith('!'))).toEqual(['out/main/**', 'out/preload/**', 'out/renderer/**', 'resources/tray/**', 'resources/icon.png', 'out/models/**', 'package.json']);
    // onnxruntime opens the model by path, so it must sit outside the asar; the build makes it first.
    expect(config.asarUnpack).toContain('out/models/**');
    expect(pkg.scripts.dist).toMatch(/^npm run build:model && /);
  });

  it('takes the installers\' icons from resources/build/, and they exist', () => {
    expect(config.directories.buildResources).toBe('resources/build');
    expect(config.mac.icon).toBe('resources/build/icon.icns');
    expect(config.win.icon).toBe('resources/build/icon.ico');
    expect(config.linux.icon).toBe('resources/build/icons');
    for (const p of [config.mac.icon, config.win.icon, join(config.linux.icon, '512x512.png'), 'resources/build/icon.png']) expect(existsSync(join(ROOT, p)), p).toBe(true);
  });

  const platforms = [
    ['linux', 'linux', 'ffmpeg'],
    ['win', 'win32', 'ffmpeg.exe'],
    ['mac', 'darwin', 'ffmpeg'],
  ] as const;
  it.each(platforms)('bundles ffmpeg for %s where the engine looks first', (section, platform, exe) => {
    const [res] = config[section].extraResources;
    expect(res.to).toBe(`ffmpeg/${platform}-\${arch}`);
    expect(res.from).toBe(`resources/ffmpeg/${platform}-\${arch}`);
    expect(res.filter).toContain(exe);
  });
});

describe('the bundled ffmpeg is found before the one on PATH', () => {
  const tmp = tempDir('kw-res-');
  afterAll(() => tmp.cleanup());
  it('resolves resources/ffmpeg/<platform>-<arch>/ffmpeg', () => {
    const exe = process.platform === 'win32' ? 'ffmpeg.exe' : 'ffmpeg';
    // What extraResources produces, with electron-builder's ${arch} = process.arch for x64/arm64.
    const dir = join(tmp.dir, 'resources', 'ffmpeg', `${process.platform}-${process.arch}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, exe), '#!/bin/sh\n');
    chmodSync(join(dir, exe), 0o755);
    expect(locateBinary('ffmpeg', { resourcesDir: join(tmp.dir, 'resources'), env: { PATH: '/usr/bin:/bin' } })).toBe(join(dir, exe));
  });
});
