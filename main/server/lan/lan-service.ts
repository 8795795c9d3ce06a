/**
 * LAN viewing over TLS (docs/lan.md): off by default; when on, each chosen
 * address gets an HTTPS server (TLS 1.2+, the certificate of
 * ./certificate.ts) that hands every request and WebSocket upgrade to the
 * same handling as the loopback server, and, when an HTTP port is set, a
 * plain server that only redirects to HTTPS. Never 0.0.0.0: only the chosen
 * addresses. A port taken or an address gone becomes `problem`, never a
 * crash; the rest is still served.
 *
 * Changes are applied one at a time (a queue), so two quick updates cannot
 * interleave their servers; a server whose address and port stay keeps
 * running (a change made from a LAN browser is answered on its own
 * connection) and takes a remade certificate for new connections.
 */
import { createServer as createHttpServer, type Server as PlainServer } from 'node:http';
import { createServer as createHttpsServer, type Server as TlsServer } from 'node:https';
import { hostname as osHostname } from 'node:os';
import { isIP, type Socket } from 'node:net';
import type { z } from 'zod';
import { UpdateLanInput, type LanInterface, type LanState } from '../../../preload/contract/lan.ts';
import { invalid } from '../../engine/errors.ts';
import type { Logger } from '../../engine/log.ts';
import { CertificateError, CertificateStore, checkSupplied, machineNames, missingAltNames, type ServedCertificate } from './certificate.ts';
import { canonicalAddress, lanInterfaces, urlHost } from './interfaces.ts';
import { loadLanSettings, saveLanSettings, type LanSettings } from './lan-settings.ts';
import { redirectToHttps } from './redirect.ts';

/** What the LAN servers need from the headless transport (main/server/http-server.ts). */
export interface LanTransport {
  /** Gives a server the loopback server's request, upgrade and clientError handling. */
  attach(server: TlsServer): void;
  /** Host names answered besides the served addresses while LAN viewing is on. */
  setLanHosts(names: string[]): void;
}

export interface LanServiceOptions {
  dataDir: string;
  transport: LanTransport;
  log: Logger;
  /** The machine's LAN addresses now (tests inject them). */
  interfaces?: () => LanInterface[];
  hostname?: () => string;
  now?: () => number;
}

type Listening = PlainServer | TlsServer;

function tlsOptions(served: ServedCertificate) {
  return { key: served.keyPem, cert: served.certPem, minVersion: 'TLSv1.2' as const };
}

type LanUpdate = z.output<typeof UpdateLanInput>;

export class LanService {
  private settings: LanSettings;
  private readonly certs: CertificateStore;
  private readonly interfaces: () => LanInterface[];
  private readonly hostname: () => string;
  private readonly now: () => number;
  /** Listening servers by `https <address> <port>` / `http <address> <port> <https port>`, with their connections. */
  private readonly running = new Map<string, { server: Listening; sockets: Set<Socket> }>();
  /** Names answered besides the addresses (configured + the machine's). */
  private lanNames: string[] = [];
  private served: ServedCertificate | null = null;
  private servedUrls: string[] = [];
  private problem: string | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: LanServiceOptions) {
    this.settings = loadLanSettings(opts.dataDir, (m) => opts.log.warn(m));
    this.certs = new CertificateStore(opts.dataDir);
    this.interfaces = opts.interfaces ?? (() => lanInterfaces());
    this.hostname = opts.hostname ?? osHostname;
    this.now = opts.now ?? Date.now;
  }

  state(): LanState {
    const s = this.settings;
    return {
      enabled: s.enabled,
      addresses: [...s.addresses],
      names: [...s.names],
      httpsPort: s.httpsPort,
      httpPort: s.httpPort,
      available: this.interfaces(),
      urls: s.enabled ? [...this.servedUrls] : [],
      certificate: this.served
        ? { source: this.served.source, fingerprint: this.served.fingerprint, subjectAltNames: [...this.served.subjectAltNames], notAfter: this.served.notAfter }
        : null,
      problem: this.problem,
    };
  }

  /** The certificate served now, with its SPKI hash (the console and tests); null when off. */
  certificate(): ServedCertificate | null {
    return this.served;
  }

  /** Serves what was stored, if LAN viewing is on. */
  start(): Promise<LanState> {
    return this.serialised(async () => {
      await this.reconcile();
      return this.state();
    });
  }

  /** Closes every LAN server and connection (the settings stay as they are). */
  stop(): Promise<void> {
    return this.serialised(async () => {
      await this.closeWhere(() => true);
      this.servedUrls = [];
    });
  }

  /** Applies and stores the owner's change; bad input is an invalid_input error and changes nothing. */
  update(raw: z.input<typeof UpdateLanInput>): Promise<LanState> {
    return this.serialised(async () => {
      // Validated here too: the command line and the desktop call this without the dispatcher.
      const parsed = UpdateLanInput.safeParse(raw);
      if (!parsed.success) throw invalid(parsed.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; '));
      const input = parsed.data;
      const next: LanSettings = {
        enabled: input.enabled ?? this.settings.enabled,
        addresses: input.addresses ? [...new Set(input.addresses.map((a) => canonicalAddress(a)))] : this.settings.addresses,
        names: input.names ? [...new Set(input.names.map((n) => n.toLowerCase()))] : this.settings.names,
        httpsPort: input.httpsPort ?? this.settings.httpsPort,
        httpPort: input.httpPort === undefined ? this.settings.httpPort : input.httpPort,
      };
      this.check(next, input.addresses !== undefined);
      const certificate = this.suppliedChange(input);
      if (certificate === 'forget') await this.certs.forgetSupplied();
      else if (certificate) await this.certs.supply(certificate.certPem, certificate.keyPem);
      await saveLanSettings(this.opts.dataDir, next);
      this.settings = next;
      await this.reconcile();
      return this.state();
    });
  }

  private check(next: LanSettings, addressesGiven: boolean): void {
    const bad = next.addresses.filter((a) => !isIP(a));
    if (bad.length) throw invalid(`not an IP address: ${bad.join(', ')}`);
    // Newly chosen addresses must be this machine's; stored ones that went away are reported as a problem instead.
    if (addressesGiven) {
      const available = new Set(this.interfaces().map((i) => i.address));
      const foreign = next.addresses.filter((a) => !available.has(a));
      if (foreign.length) {
        throw invalid(`${foreign.join(', ')} is not an address of this machine (available: ${[...available].join(', ') || 'none'})`);
      }
    }
    if (next.enabled && next.addresses.length === 0) throw invalid('choose at least one address to serve the LAN on');
    if (next.httpPort !== null && next.httpPort === next.httpsPort) throw invalid('the HTTP and HTTPS ports must differ');
  }

  private suppliedChange(input: LanUpdate): ServedCertificate | 'forget' | null {
    const { certificatePem, keyPem } = input;
    if (certificatePem === undefined && keyPem === undefined) return null;
    if (certificatePem === null && keyPem === null) return 'forget';
    if (typeof certificatePem !== 'string' || typeof keyPem !== 'string') {
      throw invalid('give both certificatePem and keyPem (or both null to go back to the generated certificate)');
    }
    try {
      return checkSupplied(certificatePem, keyPem, this.now());
    } catch (err) {
      if (err instanceof CertificateError) throw invalid(err.message);
      throw err;
    }
  }

  /**
   * Brings the running servers to the settings: servers that stay (same
   * address and port) keep running and their connections — a change made
   * over the LAN itself is answered — and take a new certificate for new
   * connections; the others are closed or opened.
   */
  private async reconcile(): Promise<void> {
    this.problem = null;
    this.servedUrls = [];
    const s = this.settings;
    if (!s.enabled) {
      await this.closeWhere(() => true);
      this.served = null;
      this.lanNames = [];
      this.opts.transport.setLanHosts([]);
      return;
    }
    const hostname = this.hostname();
    const previous = this.served;
    try {
      this.served = await this.certs.ensure({ hostname, addresses: s.addresses, names: s.names }, this.now());
    } catch (err) {
      await this.closeWhere(() => true);
      this.served = null;
      this.problem = `no certificate to serve with: ${(err as Error).message}`;
      this.opts.log.error(`lan: ${this.problem}`);
      return;
    }
    const served = this.served;
    const problems: string[] = [];
    if (served.source === 'supplied') {
      const missing = missingAltNames(served, { hostname: '', addresses: s.addresses, names: s.names });
      if (missing.length) problems.push(`the supplied certificate is not valid for ${missing.join(', ')}: browsers will warn there`);
    }
    this.lanNames = [...new Set([...s.names, ...machineNames(hostname)])];
    this.opts.transport.setLanHosts(this.lanNames);

    const wanted = new Map<string, { address: string; port: number; make: () => Listening; note?: string }>();
    for (const address of s.addresses) {
      wanted.set(`https ${address} ${s.httpsPort}`, {
        address,
        port: s.httpsPort,
        make: () => {
          const tls = createHttpsServer({ ...tlsOptions(served), requestTimeout: 60_000, headersTimeout: 20_000 });
          this.opts.transport.attach(tls);
          return tls;
        },
      });
      if (s.httpPort !== null) {
        const policy = { httpPort: s.httpPort, httpsPort: s.httpsPort, allowedNames: () => this.lanNames };
        wanted.set(`http ${address} ${s.httpPort} ${s.httpsPort}`, {
          address,
          port: s.httpPort,
          make: () => createHttpServer({ requestTimeout: 20_000, headersTimeout: 20_000 }, redirectToHttps(policy)),
          note: ' (HTTPS is served; only the redirect is missing)',
        });
      }
    }
    await this.closeWhere((key) => !wanted.has(key));
    if (previous?.fingerprint !== served.fingerprint) {
      for (const [key, run] of this.running) if (key.startsWith('https ')) (run.server as TlsServer).setSecureContext(tlsOptions(served));
    }
    for (const [key, want] of wanted) {
      if (this.running.has(key)) continue;
      const failed = await this.listen(key, want.make(), want.port, want.address);
      if (failed) problems.push(failed + (want.note ?? ''));
    }
    const port = s.httpsPort === 443 ? '' : `:${s.httpsPort}`;
    for (const address of s.addresses) if (this.running.has(`https ${address} ${s.httpsPort}`)) this.servedUrls.push(`https://${urlHost(address)}${port}/`);
    if (this.servedUrls.length) for (const name of s.names) this.servedUrls.push(`https://${name}${port}/`);
    this.problem = problems.length ? problems.join('; ') : null;
    if (this.problem) this.opts.log.warn(`lan: ${this.problem}`);
  }

  /** Listens; resolves null when listening, else why not, in words. */
  private listen(key: string, server: Listening, port: number, address: string): Promise<string | null> {
    const where = `${urlHost(address)}:${port}`;
    const sockets = new Set<Socket>();
    server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    return new Promise((resolve) => {
      const onError = (err: NodeJS.ErrnoException) => {
        server.close();
        resolve(
          err.code === 'EADDRINUSE'
            ? `${where}: the port is already in use`
            : err.code === 'EADDRNOTAVAIL'
              ? `${where}: ${address} is not an address of this machine now`
              : err.code === 'EACCES'
                ? `${where}: not allowed to listen on this port (ports below 1024 need privileges)`
                : `${where}: ${err.message}`,
        );
      };
      server.once('error', onError);
      server.listen({ port, host: address, exclusive: true }, () => {
        server.off('error', onError);
        // After listening, an error (EMFILE on accept) is logged, never thrown out of the process.
        server.on('error', (err) => this.opts.log.error(`lan ${where}: ${err.message}`));
        this.running.set(key, { server, sockets });
        resolve(null);
      });
    });
  }

  private async closeWhere(which: (key: string) => boolean): Promise<void> {
    const closing: Promise<void>[] = [];
    for (const [key, run] of this.running) {
      if (!which(key)) continue;
      this.running.delete(key);
      // Upgraded sockets (live WebSockets) are no longer the server's: end them by hand.
      for (const socket of run.sockets) socket.destroy();
      run.server.closeAllConnections?.();
      closing.push(new Promise<void>((resolve) => run.server.close(() => resolve())));
    }
    await Promise.all(closing);
  }

  private serialised<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
