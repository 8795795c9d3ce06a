/**
 * Which Host (and Origin) a request may name. Pure, so every rule is tested.
 *
 * DNS rebinding: a web page on another site can make the user's browser send
 * requests to Keepwatch under the attacker's host name. Only requests whose
 * Host names this server are answered:
 *  - a loopback name or address (localhost, 127.0.0.1, [::1]) only on a
 *    connection that really arrived on loopback — from the LAN it is a lie;
 *  - an IP address only when it is the very address the connection arrived
 *    on (so, an interface being served);
 *  - any other name only when the user configured it (`--allowed-host`);
 * and always with the port the server listens on.
 *
 * Header values are parsed with the WHATWG URL parser, never by hand; any
 * value it rejects (`[`, spaces, userinfo, a path) is refused.
 */
import { isIP } from 'node:net';

export interface HostPolicy {
  /** The port the server listens on. */
  port: number;
  /** Names the user configured (lower case, without port). */
  allowedNames: readonly string[];
  /** The default port of the scheme (80 for http, 443 for https): the Host may then omit it. */
  defaultPort?: number;
}

export interface ParsedHost {
  /** Lower case; an IPv6 address without brackets. */
  hostname: string;
  port: number | null;
}

/** Parses a Host header (RFC 9110 §7.2: uri-host [ ":" port ]); null when malformed. */
export function parseHostHeader(value: string | undefined): ParsedHost | null {
  if (!value || value.length > 255 || /[\s/\\?#@]/.test(value)) return null;
  let url: URL;
  try {
    url = new URL(`http://${value}`);
  } catch {
    return null;
  }
  // The parser normalises (127.1 → 127.0.0.1, a default :80 dropped): accept
  // only a value it did not have to change beyond letter case.
  const given = value.toLowerCase();
  const canonical = url.hostname + (url.port ? `:${url.port}` : '');
  const explicitDefault = !url.port && given === `${url.hostname}:80`;
  if (given !== canonical && !explicitDefault) return null;
  const hostname = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return { hostname, port: url.port ? Number(url.port) : explicitDefault ? 80 : null };
}

/** Strips the IPv4-mapped prefix (::ffff:10.0.0.2 → 10.0.0.2). */
export function normaliseAddress(address: string | undefined): string {
  const a = (address ?? '').toLowerCase();
  return a.startsWith('::ffff:') && isIP(a.slice(7)) === 4 ? a.slice(7) : a;
}

export function isLoopbackAddress(address: string | undefined): boolean {
  const a = normaliseAddress(address);
  return a === '::1' || (isIP(a) === 4 && a.startsWith('127.'));
}

const LOOPBACK_NAMES = new Set(['localhost']);

/**
 * Whether a request with this Host header, arriving on `localAddress` (the
 * server's end of the connection), may be answered.
 */
export function hostAllowed(hostHeader: string | undefined, localAddress: string | undefined, policy: HostPolicy): boolean {
  const host = parseHostHeader(hostHeader);
  if (!host) return false;
  const port = host.port ?? policy.defaultPort ?? 80;
  if (port !== policy.port) return false;
  const name = host.hostname;
  const onLoopback = isLoopbackAddress(localAddress);
  if (LOOPBACK_NAMES.has(name) || isLoopbackAddress(name)) return onLoopback;
  if (isIP(name)) return normaliseAddress(name) === normaliseAddress(localAddress);
  return policy.allowedNames.includes(name);
}

/**
 * A request that changes something (or opens a live socket) must come from
 * our own page: an Origin header, when a browser sends one, must be exactly
 * this server's scheme and Host. Scripts send none.
 */
export function originAllowed(origin: string | undefined, hostHeader: string | undefined, scheme: 'http' | 'https' = 'http'): boolean {
  if (origin === undefined) return true;
  const host = parseHostHeader(hostHeader);
  if (!host) return false;
  return origin.toLowerCase() === `${scheme}://${hostHeader!.toLowerCase()}`;
}

/** Why a Host was refused, in words that tell the user what to do. */
export function hostRefusal(hostHeader: string | undefined): string {
  const host = parseHostHeader(hostHeader);
  if (!host) return 'missing or malformed Host header';
  if (isIP(host.hostname) || host.hostname === 'localhost') return `this server does not answer to ${hostHeader} on this connection`;
  return `unexpected Host header "${hostHeader}": to open Keepwatch under this name, start it with --allowed-host ${host.hostname}`;
}
