/**
 * The request-target of an HTTP request, parsed strictly (RFC 9112 §3.2):
 * only the origin form (`/path?query`) is served. Absolute forms (a proxy
 * request), `*`, and anything the WHATWG URL parser rejects (`//[x`) are
 * refused with a 400, never passed on, and never thrown.
 */
export type TargetResult = { ok: true; value: URL } | { ok: false; message: string };

/** A fixed base: the Host header never takes part in parsing the path. */
const BASE = 'http://keepwatch.invalid';

export function parseRequestTarget(target: string | undefined): TargetResult {
  if (!target || target[0] !== '/' || target.startsWith('//')) {
    return { ok: false, message: 'the request target must be a path starting with a single "/"' };
  }
  if (target.length > 8192) return { ok: false, message: 'the request target is too long' };
  // Dot segments would be normalised away by URL parsing: refuse them outright.
  if (/(^|\/|%2f)(\.|%2e){1,2}(\/|%2f|$)/i.test(target.split('?')[0])) {
    return { ok: false, message: 'paths must not contain "." or ".." segments' };
  }
  let url: URL;
  try {
    url = new URL(target, BASE);
  } catch {
    return { ok: false, message: 'malformed request target' };
  }
  if (url.origin !== BASE) return { ok: false, message: 'malformed request target' };
  return { ok: true, value: url };
}
