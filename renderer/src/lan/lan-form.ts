/**
 * The LAN settings form as data: what the owner edits (as typed), made from
 * the engine's LanState and turned into an updateLan input with the
 * problems a person can fix before saving. Pure.
 */
import type { LanState, UpdateLanInput } from '../../../preload/api.ts';

export interface LanDraft {
  enabled: boolean;
  addresses: string[];
  /** Host names as typed: separated by commas or spaces. */
  names: string;
  httpsPort: string;
  redirectHttp: boolean;
  httpPort: string;
}

export function draftOf(state: LanState): LanDraft {
  return {
    enabled: state.enabled,
    addresses: [...state.addresses],
    names: state.names.join(', '),
    httpsPort: String(state.httpsPort),
    redirectHttp: state.httpPort !== null,
    httpPort: state.httpPort === null ? '80' : String(state.httpPort),
  };
}

export function splitNames(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((n) => n.trim().toLowerCase())
    .filter(Boolean);
}

function port(text: string): number | null {
  const n = Number(text.trim());
  return Number.isInteger(n) && n >= 1 && n <= 65535 ? n : null;
}

export interface LanDraftCheck {
  input: UpdateLanInput | null;
  problems: Partial<Record<'addresses' | 'httpsPort' | 'httpPort', string>>;
}

export function checkDraft(d: LanDraft): LanDraftCheck {
  const problems: LanDraftCheck['problems'] = {};
  const httpsPort = port(d.httpsPort);
  const httpPort = d.redirectHttp ? port(d.httpPort) : null;
  if (httpsPort === null) problems.httpsPort = 'A port is a whole number from 1 to 65535.';
  if (d.redirectHttp && httpPort === null) problems.httpPort = 'A port is a whole number from 1 to 65535.';
  if (httpsPort !== null && httpPort !== null && httpsPort === httpPort) problems.httpPort = 'HTTP and HTTPS need different ports.';
  if (d.enabled && d.addresses.length === 0) problems.addresses = 'Choose at least one address to serve on.';
  if (Object.keys(problems).length) return { input: null, problems };
  return { input: { enabled: d.enabled, addresses: d.addresses, names: splitNames(d.names), httpsPort: httpsPort!, httpPort }, problems };
}

export function sameDraft(a: LanDraft, b: LanDraft): boolean {
  return JSON.stringify({ ...a, addresses: [...a.addresses].sort(), names: splitNames(a.names) }) === JSON.stringify({ ...b, addresses: [...b.addresses].sort(), names: splitNames(b.names) });
}
