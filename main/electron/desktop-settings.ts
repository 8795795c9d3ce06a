/**
 * The desktop shell's own settings (not the engine's): where recordings go,
 * start at login, the remembered loopback port. One small JSON file in the
 * app-data folder, validated on read, written atomically.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { z } from 'zod';

export const DesktopSettings = z.object({
  /** Chosen on first run; null until then. */
  recordingsDir: z.string().min(1).nullable().catch(null),
  startAtLogin: z.boolean().catch(false),
  /**
   * The loopback port of the last launch, tried again first: the renderer's
   * origin (and so its localStorage: grid layout, preferences) stays the same.
   */
  port: z.number().int().min(1024).max(65535).nullable().catch(null),
  /** The "still recording in the tray" hint has been shown once. */
  trayHintShown: z.boolean().catch(false),
});
export type DesktopSettings = z.infer<typeof DesktopSettings>;

export const DEFAULT_DESKTOP_SETTINGS: DesktopSettings = { recordingsDir: null, startAtLogin: false, port: null, trayHintShown: false };

export function loadDesktopSettings(file: string): DesktopSettings {
  if (!existsSync(file)) return { ...DEFAULT_DESKTOP_SETTINGS };
  try {
    const raw = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    const parsed = DesktopSettings.safeParse({ ...DEFAULT_DESKTOP_SETTINGS, ...(typeof raw === 'object' && raw ? raw : {}) });
    return parsed.success ? parsed.data : { ...DEFAULT_DESKTOP_SETTINGS };
  } catch {
    return { ...DEFAULT_DESKTOP_SETTINGS };
  }
}

export function saveDesktopSettings(file: string, settings: DesktopSettings): void {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify(DesktopSettings.parse(settings), null, 2) + '\n', { mode: 0o600 });
  renameSync(tmp, file);
}
