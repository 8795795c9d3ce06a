/**
 * Plain HTTP on a LAN address: every request is sent to the same host over
 * HTTPS (308 keeps the method and body), provided its Host is one this
 * server answers to — a foreign name is refused, never redirected, so the
 * redirect cannot be used to bounce a browser elsewhere.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hostAllowed, hostRefusal, parseHostHeader } from '../host-check.ts';
import { parseRequestTarget } from '../request-target.ts';
import { urlHost } from './interfaces.ts';

export interface RedirectPolicy {
  /** The plain HTTP port this handler answers on. */
  httpPort: number;
  httpsPort: number;
  /** Names allowed besides the address the connection arrived on. */
  allowedNames: () => readonly string[];
}

export function redirectToHttps(policy: RedirectPolicy): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const plain = (status: number, text: string): void => {
      res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
      res.end(text + '\n');
    };
    const host = parseHostHeader(req.headers.host);
    if (!host || !hostAllowed(req.headers.host, req.socket.localAddress, { port: policy.httpPort, allowedNames: policy.allowedNames() })) {
      plain(403, hostRefusal(req.headers.host));
      return;
    }
    const target = parseRequestTarget(req.url);
    if (!target.ok) {
      plain(400, target.message);
      return;
    }
    const port = policy.httpsPort === 443 ? '' : `:${policy.httpsPort}`;
    const location = `https://${urlHost(host.hostname)}${port}${target.value.pathname}${target.value.search}`;
    res.writeHead(308, { Location: location, 'Content-Length': '0', 'Cache-Control': 'no-store' });
    res.end();
  };
}
