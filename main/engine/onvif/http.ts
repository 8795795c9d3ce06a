/**
 * One HTTP request to a camera with the guarantees untrusted devices need: a
 * hard deadline for the whole exchange (connect, headers and body — not just
 * socket idle time), a cap on the reply size, and network failures turned
 * into OnvifErrors that name the address and say what went wrong.
 */
import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';
import { OnvifError } from './errors.ts';

export interface HttpReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Header lines as sent, so repeated headers (several WWW-Authenticate) stay separate. */
  rawHeaders: string[];
  body: Buffer;
}

export interface HttpRequestOptions {
  method?: 'GET' | 'POST';
  headers: Record<string, string>;
  timeoutMs: number;
  maxResponseBytes: number;
  signal?: AbortSignal;
  /** Certificate checking for https:// addresses; cameras mostly have self-signed certificates. */
  rejectUnauthorized?: boolean;
}

export function hostLabel(url: URL): string {
  return url.port ? `${url.hostname}:${url.port}` : url.hostname;
}

export function httpRequest(url: URL, body: string | undefined, options: HttpRequestOptions): Promise<HttpReply> {
  const startedAt = Date.now();
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([deadline.signal, options.signal]) : deadline.signal;
  const payload = body === undefined ? undefined : Buffer.from(body, 'utf8');
  const client = url.protocol === 'https:' ? https : http;

  return new Promise<HttpReply>((resolve, reject) => {
    let settled = false;
    const finish = (error: OnvifError | null, reply?: HttpReply) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(reply!);
    };
    const fail = (error: unknown) => {
      if (settled) return;
      const timeLeft = startedAt + options.timeoutMs - Date.now();
      void classifyError(error, url, options, deadline.signal, timeLeft).then(finish);
    };
    if (signal.aborted) {
      finish(abortError(url, options, deadline.signal));
      return;
    }

    const request = client.request(
      url,
      {
        method: options.method ?? 'POST',
        agent: false,
        signal,
        headers: { ...options.headers, ...(payload ? { 'Content-Length': String(payload.length) } : {}), Connection: 'close' },
        rejectUnauthorized: options.rejectUnauthorized ?? true,
      },
      (response) => {
        const declared = Number(response.headers['content-length']);
        if (declared > options.maxResponseBytes) {
          response.destroy();
          finish(tooLarge(url, options.maxResponseBytes));
          return;
        }
        const chunks: Buffer[] = [];
        let received = 0;
        response.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received > options.maxResponseBytes) {
            response.destroy();
            request.destroy();
            finish(tooLarge(url, options.maxResponseBytes));
            return;
          }
          chunks.push(chunk);
        });
        response.on('end', () =>
          finish(null, {
            status: response.statusCode ?? 0,
            headers: response.headers,
            rawHeaders: response.rawHeaders,
            body: Buffer.concat(chunks),
          }),
        );
        response.on('error', fail);
      },
    );
    request.on('error', fail);
    request.end(payload);
  });
}

function tooLarge(url: URL, limit: number): OnvifError {
  return new OnvifError('RESPONSE_TOO_LARGE', `The device at ${hostLabel(url)} sent a reply larger than ${limit} bytes`);
}

function abortError(url: URL, options: HttpRequestOptions, deadline: AbortSignal): OnvifError {
  if (deadline.aborted) {
    return new OnvifError('TIMEOUT', `The device at ${hostLabel(url)} did not answer within ${options.timeoutMs} ms`);
  }
  return new OnvifError('ABORTED', `The request to ${hostLabel(url)} was cancelled`);
}

const TLS_ERROR_CODES = new Set([
  'EPROTO',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** TLS record types: a reply starting with an alert (0x15) or handshake (0x16) came from a TLS server. */
function looksLikeTls(raw: unknown): boolean {
  return Buffer.isBuffer(raw) && raw.length > 2 && (raw[0] === 0x15 || raw[0] === 0x16) && raw[1] === 0x03;
}

export function tlsRequiredError(url: URL, cause?: unknown): OnvifError {
  return new OnvifError(
    'TLS_REQUIRED',
    `The device at ${hostLabel(url)} only accepts encrypted HTTPS connections; use an https:// address for it`,
    { cause },
  );
}

/**
 * Does a TLS server listen here? Asked only after a plain-HTTP request was
 * dropped: servers that only speak TLS usually just close on plaintext, and
 * "use https://" is a far better message than "connection reset".
 */
function speaksTls(url: URL, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tls.connect({
      host: url.hostname,
      port: Number(url.port || 80),
      rejectUnauthorized: false,
    });
    const done = (answer: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('secureConnect', () => done(true));
    // A TLS alert (e.g. handshake failure) still proves a TLS server answered.
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code === 'EPROTO' && /alert/i.test(error.message)));
  });
}

async function classifyError(
  error: unknown,
  url: URL,
  options: HttpRequestOptions,
  deadline: AbortSignal,
  timeLeftMs: number,
): Promise<OnvifError> {
  const err = error as NodeJS.ErrnoException & { rawPacket?: unknown };
  const dropped = err.code === 'ECONNRESET' || looksLikeTls(err.rawPacket);
  if (url.protocol === 'http:' && dropped && !deadline.aborted && !options.signal?.aborted) {
    // The TLS check shares the request's deadline, so the caller's timeout still holds.
    if (looksLikeTls(err.rawPacket) || (timeLeftMs > 0 && (await speaksTls(url, Math.min(2000, timeLeftMs))))) {
      return tlsRequiredError(url, error);
    }
  }
  return networkError(error, url, options, deadline);
}

function networkError(error: unknown, url: URL, options: HttpRequestOptions, deadline: AbortSignal): OnvifError {
  if (error instanceof OnvifError) return error;
  const err = error as NodeJS.ErrnoException;
  const where = hostLabel(url);
  const code = err.code ?? '';
  if (err.name === 'AbortError' || code === 'ABORT_ERR') return abortError(url, options, deadline);
  const overHttps = url.protocol === 'https:';

  if (overHttps && (TLS_ERROR_CODES.has(code) || code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS'))) {
    const why = code.includes('CERT') || code.includes('SIGNATURE') ? 'its certificate is not trusted' : 'the TLS handshake failed';
    return new OnvifError('TLS_FAILED', `Could not open an HTTPS connection to ${where}: ${why} (${code})`, { cause: error });
  }
  const via = overHttps ? ' over HTTPS' : '';
  switch (code) {
    case 'ECONNREFUSED':
      return new OnvifError('UNREACHABLE', `Could not connect to ${where}${via}: connection refused`, { cause: error });
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EADDRNOTAVAIL':
      return new OnvifError('UNREACHABLE', `Could not connect to ${where}${via}: no route to that address`, { cause: error });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new OnvifError('UNREACHABLE', `Could not find ${url.hostname}: the name does not resolve`, { cause: error });
    case 'ECONNRESET':
      return new OnvifError(
        'UNREACHABLE',
        `The device at ${where}${via} closed the connection without answering`,
        { cause: error },
      );
    default:
      return new OnvifError('UNREACHABLE', `Could not talk to ${where}${via}: ${code || err.message}`, { cause: error });
  }
}
