/**
 * A tiny RTSP server for the demo's simulated ONVIF cameras, needing nothing
 * but ffmpeg (the demo has no GStreamer).
 *
 * Each path (e.g. /cam1/main) has a source: an ffmpeg process that encodes a
 * test pattern to H.264 and sends it as RTP to a UDP socket of ours on
 * 127.0.0.1 — ffmpeg's own RTP muxer does the packetisation and writes the
 * SDP. This server only speaks RTSP (OPTIONS, DESCRIBE, SETUP, PLAY,
 * GET_PARAMETER, TEARDOWN) and relays those RTP packets to every playing
 * client, interleaved on its TCP connection (RTP/AVP/TCP, what Keepwatch's
 * recorder asks for). A source runs only while someone watches it, and stops
 * a few seconds after the last client leaves.
 *
 * Loopback only; not a general RTSP server (no UDP transport, no auth, one
 * video track per path).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';

export interface RelaySource {
  /** ffmpeg arguments up to (not including) the output: input and encoder. */
  encoderArgs: string[];
}

export interface RtspRelayOptions {
  ffmpegPath: string;
  /** Path → source, e.g. '/cam1/main'. */
  sources: Record<string, RelaySource>;
  port?: number;
  /** Stop an unwatched source after this long (default 10 s). */
  idleStopMs?: number;
  log?: (line: string) => void;
}

export interface RtspRelay {
  port: number;
  url(path: string): string;
  /** Paths whose encoder is running now. */
  running(): string[];
  close(): Promise<void>;
}

const MAX_REQUEST_BYTES = 16 * 1024;
/** A client this far behind is dropped rather than buffered without end. */
const MAX_CLIENT_BACKLOG = 4 * 1024 * 1024;

interface Client {
  socket: net.Socket;
  playing: boolean;
  channel: number;
}

class Source {
  private proc: ChildProcess | null = null;
  private udp: dgram.Socket | null = null;
  private sdpMedia: string[] | null = null;
  private waiters: Array<(ok: boolean) => void> = [];
  private stopTimer: NodeJS.Timeout | null = null;
  private starting: Promise<void> | null = null;
  readonly clients = new Set<Client>();

  constructor(
    readonly path: string,
    private readonly spec: RelaySource,
    private readonly options: RtspRelayOptions,
  ) {}

  get running(): boolean {
    return this.proc !== null;
  }

  /** The media part of the SDP (rtpmap, fmtp with SPS/PPS), starting the encoder when needed. */
  async media(): Promise<string[] | null> {
    this.cancelStop();
    if (this.sdpMedia) return this.sdpMedia;
    if (!this.proc) await (this.starting ??= this.start().finally(() => (this.starting = null)));
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(null), 10_000);
      this.waiters.push((ok) => {
        clearTimeout(timer);
        resolve(ok ? this.sdpMedia : null);
      });
    });
  }

  add(client: Client): void {
    this.cancelStop();
    this.clients.add(client);
  }

  remove(client: Client): void {
    this.clients.delete(client);
    if (this.clients.size === 0) this.scheduleStop();
  }

  private async start(): Promise<void> {
    const udp = dgram.createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(0, '127.0.0.1', () => resolve());
    });
    udp.on('error', () => undefined);
    udp.on('message', (packet) => this.forward(packet));
    this.udp = udp;
    const port = udp.address().port;
    const args = [
      '-hide_banner', '-nostdin', '-loglevel', 'error',
      ...this.spec.encoderArgs,
      // SPS/PPS in the SDP (global header) and again before every keyframe (dump_extra), for clients joining at any time.
      '-flags:v', '+global_header', '-bsf:v', 'dump_extra',
      '-an', '-f', 'rtp', '-payload_type', '96',
      // RTP and RTCP both come to our one socket; RTCP is dropped there.
      `rtp://127.0.0.1:${port}?rtcpport=${port}&pkt_size=1316`,
    ];
    const proc = spawn(this.options.ffmpegPath, args, { stdio: ['ignore', 'pipe', 'pipe'], shell: false, windowsHide: true });
    this.proc = proc;
    let stdout = '';
    let stderr = '';
    proc.stdout!.on('data', (chunk: Buffer) => {
      if (this.sdpMedia) return;
      stdout += chunk.toString();
      const media = parseSdpMedia(stdout);
      if (media) {
        this.sdpMedia = media;
        this.settle(true);
      }
    });
    proc.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    proc.on('error', (error) => this.options.log?.(`rtsp relay ${this.path}: cannot start ffmpeg: ${error.message}`));
    proc.on('exit', (code, signal) => {
      if (this.proc !== proc) return;
      if (signal !== 'SIGTERM' && signal !== 'SIGKILL') this.options.log?.(`rtsp relay ${this.path}: encoder exited (${code ?? signal}) ${stderr.trim().split('\n').pop() ?? ''}`);
      this.teardown();
      for (const client of this.clients) client.socket.destroy();
    });
  }

  private forward(packet: Buffer): void {
    // RTCP (payload types 200–204 in the second byte) is ffmpeg's sender report to nobody in particular.
    if (packet.length < 12 || (packet[1] >= 200 && packet[1] <= 204)) return;
    for (const client of this.clients) {
      if (!client.playing) continue;
      if (client.socket.writableLength > MAX_CLIENT_BACKLOG) {
        client.socket.destroy();
        continue;
      }
      const header = Buffer.from([0x24, client.channel, packet.length >> 8, packet.length & 0xff]);
      client.socket.write(Buffer.concat([header, packet]));
    }
  }

  private settle(ok: boolean): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w(ok);
  }

  private scheduleStop(): void {
    this.cancelStop();
    this.stopTimer = setTimeout(() => this.stop(), this.options.idleStopMs ?? 10_000);
    this.stopTimer.unref();
  }

  private cancelStop(): void {
    if (this.stopTimer) clearTimeout(this.stopTimer);
    this.stopTimer = null;
  }

  stop(): void {
    this.cancelStop();
    const proc = this.proc;
    this.teardown();
    proc?.kill('SIGTERM');
  }

  private teardown(): void {
    this.proc = null;
    this.sdpMedia = null;
    this.udp?.close();
    this.udp = null;
    this.settle(false);
  }
}

/** The m= section of the SDP ffmpeg prints for an RTP output, once it is complete. */
export function parseSdpMedia(text: string): string[] | null {
  const start = text.indexOf('m=video');
  if (start < 0) return null;
  const lines = text.slice(start).split(/\r?\n/);
  const fmtp = lines.findIndex((l) => l.startsWith('a=fmtp:'));
  // ffmpeg prints the whole SDP at once, fmtp last; wait for its line end.
  if (fmtp < 0 || fmtp === lines.length - 1) return null;
  return lines.slice(0, fmtp + 1).filter((l) => /^(m=|a=rtpmap:|a=fmtp:|b=)/.test(l)).map((l) => (l.startsWith('m=video') ? 'm=video 0 RTP/AVP 96' : l));
}

export async function startRtspRelay(options: RtspRelayOptions): Promise<RtspRelay> {
  const sources = new Map(Object.entries(options.sources).map(([path, spec]) => [path, new Source(path, spec, options)]));
  const sockets = new Set<net.Socket>();

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    const client: Client = { socket, playing: false, channel: 0 };
    let source: Source | null = null;
    let buffer = Buffer.alloc(0);
    const session = Math.random().toString(16).slice(2, 10);

    const reply = (cseq: string, status: string, headers: Record<string, string> = {}, body = '') => {
      const lines = [`RTSP/1.0 ${status}`, `CSeq: ${cseq}`, 'Server: Keepwatch demo relay', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
      if (body) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
      socket.write(`${lines.join('\r\n')}\r\n\r\n${body}`);
    };

    const handle = async (head: string) => {
      const [requestLine, ...headerLines] = head.split('\r\n');
      const [method, url] = requestLine.split(' ');
      const headers = new Map(headerLines.map((l) => [l.slice(0, l.indexOf(':')).trim().toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      const cseq = headers.get('cseq') ?? '0';
      let path = '';
      try {
        path = new URL(url).pathname.replace(/\/trackID=\d+$/, '').replace(/\/$/, '');
      } catch {
        return reply(cseq, '400 Bad Request');
      }
      const wanted = sources.get(path);
      switch (method) {
        case 'OPTIONS':
          return reply(cseq, '200 OK', { Public: 'OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, GET_PARAMETER' });
        case 'DESCRIBE': {
          if (!wanted) return reply(cseq, '404 Not Found');
          const media = await wanted.media();
          if (!media) return reply(cseq, '503 Service Unavailable');
          const sdp = ['v=0', `o=- ${session} 1 IN IP4 127.0.0.1`, 's=Keepwatch demo camera', 'c=IN IP4 0.0.0.0', 't=0 0', ...media, 'a=control:trackID=0', ''].join('\r\n');
          return reply(cseq, '200 OK', { 'Content-Type': 'application/sdp', 'Content-Base': `rtsp://127.0.0.1:${port}${path}/` }, sdp);
        }
        case 'SETUP': {
          if (!wanted) return reply(cseq, '404 Not Found');
          const transport = headers.get('transport') ?? '';
          if (!/RTP\/AVP\/TCP/i.test(transport)) return reply(cseq, '461 Unsupported Transport');
          client.channel = Number(/interleaved=(\d+)/.exec(transport)?.[1] ?? 0);
          source?.remove(client);
          source = wanted;
          source.add(client);
          return reply(cseq, '200 OK', {
            Transport: `RTP/AVP/TCP;unicast;interleaved=${client.channel}-${client.channel + 1}`,
            Session: `${session};timeout=60`,
          });
        }
        case 'PLAY':
          if (!source) return reply(cseq, '455 Method Not Valid in This State');
          await source.media(); // restarts the encoder if it stopped between SETUP and PLAY
          reply(cseq, '200 OK', { Session: session, Range: 'npt=0.000-' });
          client.playing = true;
          return;
        case 'GET_PARAMETER':
        case 'SET_PARAMETER':
          return reply(cseq, '200 OK', { Session: session });
        case 'TEARDOWN':
          reply(cseq, '200 OK', { Session: session });
          socket.end();
          return;
        default:
          return reply(cseq, '501 Not Implemented');
      }
    };

    let queue = Promise.resolve();
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        // Interleaved data from the client (its RTCP receiver reports): skip it.
        if (buffer.length >= 4 && buffer[0] === 0x24) {
          const length = 4 + buffer.readUInt16BE(2);
          if (buffer.length < length) return;
          buffer = buffer.subarray(length);
          continue;
        }
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) {
          if (buffer.length > MAX_REQUEST_BYTES) socket.destroy();
          return;
        }
        const head = buffer.subarray(0, end).toString('latin1');
        const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
        if (buffer.length < end + 4 + length) return;
        buffer = buffer.subarray(end + 4 + length);
        queue = queue
          .then(() => handle(head))
          .catch(() => void socket.destroy());
      }
    });
    const gone = () => {
      sockets.delete(socket);
      source?.remove(client);
    };
    socket.on('close', gone);
    socket.on('error', () => undefined);
  });

  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
  });

  return {
    port,
    url: (path) => `rtsp://127.0.0.1:${port}${path}`,
    running: () => [...sources.values()].filter((s) => s.running).map((s) => s.path),
    async close() {
      for (const source of sources.values()) source.stop();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
