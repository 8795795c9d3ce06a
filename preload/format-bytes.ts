/**
 * How Keepwatch writes a byte count for people, wherever it shows one: the
 * renderer (storage, cameras, exports) and the desktop shell's first-run
 * dialog. One implementation, SI units (1 kB = 1000 B, 1 GB = 10⁹ B), the
 * units disks are sold in and that the file managers of macOS and GNOME show,
 * so a "2 TB" disk reads 2 TB here too. Sizes people type (the Settings page's
 * GB fields) use the same `GB`, so a value typed reads back unchanged.
 * Pure, no imports: it runs in Node and in the browser.
 */

export const KB = 1000;
export const MB = 1000 ** 2;
export const GB = 1000 ** 3;
export const TB = 1000 ** 4;

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];

/** 0 B, 999 B, 1.5 kB, 340 MB, 1.25 GB, 12.5 GB, 512 GB, 3.45 TB (three significant digits at most). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes <= 0) return '0 B';
  let unit = 0;
  let value = bytes;
  // 999.6 kB would round to "1000 kB": move up a unit first.
  while (value >= 999.5 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : value >= 10 ? 1 : 2;
  const text = value.toFixed(digits);
  return `${text.includes('.') ? text.replace(/\.?0+$/, '') : text} ${UNITS[unit]}`;
}
