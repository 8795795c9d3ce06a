/**
 * Text a device sends ends up in our UI, logs and error messages: keep it
 * printable and short so a hostile device cannot flood or garble them.
 */
export function cleanText(text: string | undefined, maxLength = 256): string {
  if (!text) return '';
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim();
  return clean.length > maxLength ? `${clean.slice(0, maxLength)}…` : clean;
}

/** ONVIF ReferenceToken: at most 64 characters; anything odd is refused rather than echoed back to a device. */
export function isValidToken(token: string | undefined): token is string {
  return !!token && token.length <= 64 && cleanText(token, 64) === token;
}

/** Percent-decoding that cannot throw (a malformed "%zz" stays as sent). */
export function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
