/** Plain HTTP on a LAN address (main/server/lan/redirect.ts): to HTTPS on the same host, or refused. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { redirectToHttps } from '../../main/server/lan/redirect.ts';

function answer(host: string | undefined, url: string, localAddress: string, httpsPort = 8443): { status: number; headers: Record<string, string> } {
  const out = { status: 0, headers: {} as Record<string, string> };
  const req = { headers: host === undefined ? {} : { host }, url, socket: { localAddress } } as unknown as IncomingMessage;
  const res = {
    writeHead(status: number, headers: Record<string, string>) {
      out.status = status;
      out.headers = headers;
    },
    end() {},
  } as unknown as ServerResponse;
  redirectToHttps({ httpPort: 8080, httpsPort, allowedNames: () => ['nvr.home.arpa'] })(req, res);
  return out;
}

describe('redirect to HTTPS', () => {
  it('sends the same host, path and query to the HTTPS port with 308', () => {
    expect(answer('192.0.2.10:8080', '/live?cam=1', '192.0.2.10')).toMatchObject({ status: 308, headers: { Location: 'https://192.0.2.10:8443/live?cam=1' } });
    expect(answer('[2001:db8::9]:8080', '/', '2001:db8::9').headers.Location).toBe('https://[2001:db8::9]:8443/');
    expect(answer('NVR.home.arpa:8080', '/', '192.0.2.10').headers.Location).toBe('https://nvr.home.arpa:8443/');
    expect(answer('192.0.2.10:8080', '/', '192.0.2.10', 443).headers.Location).toBe('https://192.0.2.10/');
  });

  it('refuses a Host it does not answer to, and a malformed target, instead of redirecting', () => {
    expect(answer('evil.example:8080', '/', '192.0.2.10').status).toBe(403);
    expect(answer('192.0.2.11:8080', '/', '192.0.2.10').status).toBe(403); // not the address the connection arrived on
    expect(answer('127.0.0.1:8080', '/', '192.0.2.10').status).toBe(403); // loopback named from the LAN
    expect(answer('192.0.2.10:9999', '/', '192.0.2.10').status).toBe(403); // another port
    expect(answer(undefined, '/', '192.0.2.10').status).toBe(403);
    expect(answer('192.0.2.10:8080', '//evil.example/x', '192.0.2.10').status).toBe(400);
    expect(answer('192.0.2.10:8080', 'http://evil.example/', '192.0.2.10').status).toBe(400);
  });
});
