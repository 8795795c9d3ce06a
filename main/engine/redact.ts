/**
 * Credential redaction for anything that may be logged, stored as an error or
 * returned to a client: URL userinfo and any known secret string.
 */

/** rtsp://user:pass@host/ → rtsp://***@host/ (any scheme, also inside longer text). */
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@'"]*@/gi;

export function redactUrl(url: string): string {
  return url.replace(USERINFO, '$1***@');
}

export function redact(text: string, secrets: Iterable<string> = []): string {
  let out = redactUrl(text);
  for (const secret of secrets) {
    if (!secret || secret.length < 3) continue; // too short to redact without mangling text
    out = out.split(secret).join('***');
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret) out = out.split(encoded).join('***');
  }
  return out;
}
