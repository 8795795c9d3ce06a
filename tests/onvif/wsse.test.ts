import { describe, expect, it } from 'vitest';
import { digestAuthorization, parseDigestChallenges } from '../../main/engine/onvif/http-digest.ts';
import { parseXml, path, textOf } from '../../main/engine/onvif/xml.ts';
import { passwordDigest, usernameTokenHeader, wsseTimestamp } from '../../main/engine/onvif/wsse.ts';

describe('WS-Security UsernameToken', () => {
  it('matches the example of the ONVIF Application Programmer’s Guide', () => {
    const nonce = Buffer.from('LKqI6G/AikKCQrN0zqZFlg==', 'base64');
    expect(passwordDigest(nonce, '2010-09-16T07:50:45Z', 'userpassword')).toBe('tuOSpGlFlIXsozq4HFNeeGeFLEI=');
  });

  it('stamps Created with the camera clock, not ours', () => {
    const now = Date.UTC(2026, 0, 1, 12, 0, 0, 750);
    const threeHours = 3 * 3600_000;
    const header = usernameTokenHeader(
      { username: 'admin', password: 'pw' },
      { clockOffsetMs: threeHours, now: () => now, nonce: Buffer.alloc(16, 7) },
    );
    const doc = parseXml(`<s:Envelope xmlns:s="urn:s">${header}</s:Envelope>`);
    const created = textOf(path(doc, 'Security', 'UsernameToken', 'Created'));
    expect(created).toBe('2026-01-01T15:00:00Z');
    expect(textOf(path(doc, 'Security', 'UsernameToken', 'Password'))).toBe(passwordDigest(Buffer.alloc(16, 7), created!, 'pw'));
  });

  it('escapes the username and never writes the password itself', () => {
    const header = usernameTokenHeader({ username: 'a<b>&c', password: 'hunter2' }, { clockOffsetMs: 0 });
    expect(header).toContain('<wsse:Username>a&lt;b&gt;&amp;c</wsse:Username>');
    expect(header).not.toContain('hunter2');
  });

  it('writes whole-second UTC timestamps', () => {
    expect(wsseTimestamp(Date.UTC(2026, 4, 6, 7, 8, 9, 999))).toBe('2026-05-06T07:08:09Z');
  });
});

describe('HTTP Digest', () => {
  it('answers the RFC 2617 example challenge correctly', () => {
    const [challenge] = parseDigestChallenges([
      'WWW-Authenticate',
      'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
    ]);
    const header = digestAuthorization(challenge, { username: 'Mufasa', password: 'Circle Of Life' }, 'GET', '/dir/index.html', '0a4f113b');
    expect(header).toContain('response="6629fae49393a05397450978507c4ef1"');
    expect(header).toContain('opaque="5ccc069c403ebaf9f0171e9517f40e41"');
  });

  it('prefers SHA-256 when a camera offers both', () => {
    const challenges = parseDigestChallenges([
      'WWW-Authenticate', 'Digest realm="r", nonce="n1"',
      'WWW-Authenticate', 'Digest realm="r", nonce="n2", algorithm=SHA-256',
      'WWW-Authenticate', 'Basic realm="r"',
    ]);
    expect(challenges.map((c) => c.algorithm)).toEqual(['SHA-256', 'MD5']);
  });
});
