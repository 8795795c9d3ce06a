/**
 * The owner's LAN choices, kept in DATA/lan.json (0600): whether LAN viewing
 * is on, which addresses, which extra names, which ports. Read once at start
 * (a missing or damaged file is "off"), written whole on every change.
 */
import { readFileSync } from 'node:fs';
import { chmod, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { Port } from '../../../preload/contract/lan.ts';

export const LanSettings = z.object({
  enabled: z.boolean(),
  addresses: z.array(z.string()),
  names: z.array(z.string()),
  httpsPort: Port,
  httpPort: Port.nullable(),
});
export type LanSettings = z.infer<typeof LanSettings>;

export const DEFAULT_LAN_SETTINGS: LanSettings = { enabled: false, addresses: [], names: [], httpsPort: 8443, httpPort: 8080 };

export function lanSettingsPath(dataDir: string): string {
  return join(dataDir, 'lan.json');
}

/** The stored settings; defaults (off) when there are none or they cannot be read. */
export function loadLanSettings(dataDir: string, warn: (msg: string) => void): LanSettings {
  let text: string;
  try {
    text = readFileSync(lanSettingsPath(dataDir), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') warn(`cannot read lan.json: ${(err as Error).message}; LAN viewing stays off`);
    return { ...DEFAULT_LAN_SETTINGS };
  }
  try {
    return LanSettings.parse(JSON.parse(text));
  } catch (err) {
    warn(`lan.json is damaged (${(err as Error).message}); LAN viewing stays off until it is set again`);
    return { ...DEFAULT_LAN_SETTINGS };
  }
}

/** Writes the settings through a 0600 temporary file renamed into place. */
export async function saveLanSettings(dataDir: string, settings: LanSettings): Promise<void> {
  const target = lanSettingsPath(dataDir);
  const tmp = `${target}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(settings, null, 2) + '\n', { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, target);
}
