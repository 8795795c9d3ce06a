/**
 * Opt-in start at login. macOS and Windows have it in Electron
 * (app.setLoginItemSettings); Linux does not, so there Keepwatch writes an
 * XDG autostart entry (~/.config/autostart/keepwatch.desktop). A launch at
 * login starts hidden in the tray (--hidden) and records.
 */
import { existsSync, mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { App } from 'electron';

export const HIDDEN_FLAG = '--hidden';

/** True when this launch should stay in the tray (started at login). */
export function launchedHidden(argv: readonly string[], wasOpenedAtLogin = false): boolean {
  return wasOpenedAtLogin || argv.includes(HIDDEN_FLAG);
}

/** Quotes one argument for a desktop entry's Exec key (Desktop Entry Spec, "The Exec key"). */
export function quoteExecArg(arg: string): string {
  if (/[\u0000-\u001f\u007f]/.test(arg)) throw new Error('an autostart argument must not contain control characters');
  if (!/[\s"'\\`$<>~|&;*?#()%]/.test(arg) && arg !== '') return arg;
  // Inside double quotes, ", `, $ and \ are escaped with a backslash; a
  // literal % is doubled because Exec field codes start with %.
  return `"${arg.replace(/["`$\\]/g, (c) => `\\${c}`).replace(/%/g, '%%')}"`;
}

export function autostartEntry(command: readonly string[]): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Keepwatch',
    'Comment=Keep recording your cameras',
    `Exec=${command.map(quoteExecArg).join(' ')}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

export function linuxAutostartFile(env: { HOME?: string; XDG_CONFIG_HOME?: string }): string {
  const config = env.XDG_CONFIG_HOME || join(env.HOME ?? '', '.config');
  return join(config, 'autostart', 'keepwatch.desktop');
}

export interface AutostartContext {
  platform: NodeJS.Platform;
  app: Pick<App, 'setLoginItemSettings'>;
  /** The executable to start: an AppImage's own path ($APPIMAGE), not the mounted copy. */
  executable: string;
  env: { HOME?: string; XDG_CONFIG_HOME?: string };
}

export function setStartAtLogin(enabled: boolean, ctx: AutostartContext): void {
  if (ctx.platform === 'linux') {
    const file = linuxAutostartFile(ctx.env);
    if (enabled) {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, autostartEntry([ctx.executable, HIDDEN_FLAG]), { mode: 0o644 });
    } else if (existsSync(file)) unlinkSync(file);
    return;
  }
  ctx.app.setLoginItemSettings({ openAtLogin: enabled, args: enabled ? [HIDDEN_FLAG] : [] });
}
