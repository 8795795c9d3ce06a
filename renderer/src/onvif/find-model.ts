/**
 * Pure helpers for the Find cameras flow and the ONVIF camera panel: grouping
 * scan results per interface, labels for profiles and clocks, the address
 * list a user types. No React, no API calls: tested on their own.
 */
import type { DiscoveredCamera, DiscoveryResult, OnvifProfile } from '../../../preload/api.ts';

export interface ResultGroup {
  key: string;
  /** "eth0", or "By address" for unicast answers. */
  title: string;
  /** The interface's address, or what was probed. */
  detail: string | null;
  /** Why probing there failed, if it did. */
  error: string | null;
  devices: DiscoveredCamera[];
}

/**
 * One group per interface probed (in the order reported), then the devices
 * that answered only a unicast probe. A device seen on two interfaces is
 * listed under each: that is where it can be reached from.
 */
export function groupResults(result: DiscoveryResult): ResultGroup[] {
  const groups: ResultGroup[] = result.interfaces.map((i) => ({
    key: `if:${i.name}`,
    title: i.name,
    detail: i.address,
    error: i.error,
    devices: sortDevices(result.devices.filter((d) => d.interfaces.includes(i.name))),
  }));
  const unicastOnly = result.devices.filter((d) => d.unicast && !d.interfaces.some((n) => result.interfaces.some((i) => i.name === n)));
  if (result.unicastTargets > 0 || unicastOnly.length > 0) {
    groups.push({
      key: 'unicast',
      title: 'By address',
      detail: `${result.unicastTargets} address${result.unicastTargets === 1 ? '' : 'es'} probed`,
      error: null,
      devices: sortDevices(unicastOnly),
    });
  }
  return groups;
}

/** Not-yet-added first, then by name. */
function sortDevices(devices: DiscoveredCamera[]): DiscoveredCamera[] {
  return [...devices].sort((a, b) => Number(a.added) - Number(b.added) || displayName(a).localeCompare(displayName(b)));
}

export function displayName(device: Pick<DiscoveredCamera, 'name' | 'hardware' | 'address'>): string {
  return device.name || device.hardware || device.address;
}

/** host:port of a device service address, for showing. */
export function hostPort(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** "192.168.1.20, 192.168.1.30-40" or one per line → entries. */
export function parseAddressList(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

const ENCODING_LABEL: Record<string, string> = { H264: 'H.264', H265: 'H.265', JPEG: 'MJPEG', MPEG4: 'MPEG-4' };

export function profileLabel(p: OnvifProfile): string {
  const parts = [ENCODING_LABEL[p.encoding] ?? p.encoding];
  if (p.width && p.height) parts.push(`${p.width}×${p.height}`);
  if (p.fps) parts.push(`${Math.round(p.fps)} fps`);
  return `${p.name} · ${parts.join(' · ')}`;
}

/** "3 h 2 min ahead", or null when the camera's clock is within a minute of ours. */
export function clockOffsetText(ms: number): string | null {
  const abs = Math.abs(ms);
  if (abs < 60_000) return null;
  const totalMinutes = Math.round(abs / 60_000);
  const hours = Math.floor(totalMinutes / 60);
  const minutes = totalMinutes % 60;
  const span = [hours ? `${hours} h` : '', minutes ? `${minutes} min` : ''].filter(Boolean).join(' ');
  return `${span} ${ms > 0 ? 'ahead' : 'behind'}`;
}

/** What the user typed as an ONVIF address, or a problem to show. Bare hosts are fine: the server completes them. */
export function addressProblem(text: string): string | null {
  const value = text.trim();
  if (!value) return 'Type the camera\'s address, e.g. 192.168.1.20 or http://192.168.1.20/onvif/device_service';
  if (/\s/.test(value)) return 'The address must not contain spaces';
  return null;
}
