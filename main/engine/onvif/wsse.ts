/**
 * WS-Security UsernameToken with PasswordDigest, as ONVIF requires:
 *   Digest = Base64( SHA-1( nonce + created + password ) )
 *
 * `created` must be the *camera's* idea of now: cameras reject tokens whose
 * Created is too far from their own clock, so a camera hours off would refuse
 * a correct password. We therefore stamp tokens with local time plus the
 * offset measured by GetSystemDateAndTime (see device.ts).
 */
import { createHash, randomBytes } from 'node:crypto';
import { escapeXml } from './xml.ts';

export interface Credentials {
  username: string;
  password: string;
}

const WSSE_NS = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd';
const WSU_NS = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd';
const PASSWORD_DIGEST_TYPE =
  'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest';
const BASE64_ENCODING = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary';

/** The digest itself. The password is UTF-8 (ONVIF says nothing; UTF-8 is what cameras' web UIs store). */
export function passwordDigest(nonce: Buffer, created: string, password: string): string {
  return createHash('sha1')
    .update(Buffer.concat([nonce, Buffer.from(created, 'utf8'), Buffer.from(password, 'utf8')]))
    .digest('base64');
}

/**
 * xsd:dateTime in UTC without milliseconds: some firmware rejects fractional
 * seconds, and none requires them.
 */
export function wsseTimestamp(epochMs: number): string {
  return new Date(Math.floor(epochMs / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

export interface UsernameTokenOptions {
  /** Camera clock minus local clock, in ms (from GetSystemDateAndTime). */
  clockOffsetMs: number;
  /** Injected for tests; defaults to Date.now. */
  now?: () => number;
  /** Injected for tests; defaults to 16 random bytes. */
  nonce?: Buffer;
}

/** The <wsse:Security> header block for one request (fresh nonce every call). */
export function usernameTokenHeader(credentials: Credentials, options: UsernameTokenOptions): string {
  const nonce = options.nonce ?? randomBytes(16);
  const created = wsseTimestamp((options.now ?? Date.now)() + options.clockOffsetMs);
  const digest = passwordDigest(nonce, created, credentials.password);
  return (
    `<wsse:Security s:mustUnderstand="1" xmlns:wsse="${WSSE_NS}" xmlns:wsu="${WSU_NS}">` +
    '<wsse:UsernameToken>' +
    `<wsse:Username>${escapeXml(credentials.username)}</wsse:Username>` +
    `<wsse:Password Type="${PASSWORD_DIGEST_TYPE}">${digest}</wsse:Password>` +
    `<wsse:Nonce EncodingType="${BASE64_ENCODING}">${nonce.toString('base64')}</wsse:Nonce>` +
    `<wsu:Created>${created}</wsu:Created>` +
    '</wsse:UsernameToken>' +
    '</wsse:Security>'
  );
}
