import { describe, it, expect } from 'vitest';
import { backoffDelay } from '../../main/engine/recording/backoff.ts';
import { redact, redactUrl } from '../../main/engine/redact.ts';
import { segmentArgs, liveArgs, patternSafe, progressSeconds } from '../../main/engine/ingest/ffmpeg-args.ts';
import { parseSegmentListLine, ProgressParser } from '../../main/engine/ingest/progress.ts';
import { RtspOpener, withCredentials } from '../../main/engine/ingest/opener.ts';
import { parseInputAudioCodec, TailBuffer } from '../../main/engine/ingest/stderr-info.ts';
import { splitCredentials } from '../../main/engine/cameras/camera-service.ts';
import { KeyFileSecretBox, openCredentials, sealCredentials } from '../../main/engine/secrets/secret-box.ts';
import { parseRange } from '../../main/engine/playback/range.ts';
import { tempDir } from '../helpers/tmp.ts';
import { join } from 'node:path';
import { statSync } from 'node:fs';
import type { CameraRow, StreamRow } from '../../main/engine/storage/store.ts';

describe('progress period', () => {
  it('fits at least five reports in a stall window, and wakes the engine at most every 2 s', () => {
    expect(progressSeconds(10_000)).toBe(2); // the product's stall timeout
    expect(progressSeconds(4000)).toBe(1); // the tests' fast recorder
    expect(progressSeconds(60_000)).toBe(2);
    expect(progressSeconds(500)).toBe(1);
    for (const stallMs of [1000, 4000, 5000, 9999, 10_000, 30_000]) expect(progressSeconds(stallMs) * 5 * 1000).toBeLessThanOrEqual(Math.max(stallMs, 5000));
  });
});

describe('reconnect backoff', () => {
  it('grows exponentially, stays under the cap, and spreads cameras apart', () => {
    const opts = { baseMs: 1000, capMs: 8000 };
    expect(backoffDelay(0, opts, () => 0)).toBe(500);
    expect(backoffDelay(0, opts, () => 1)).toBe(1000);
    expect(backoffDelay(3, opts, () => 1)).toBe(8000);
    expect(backoffDelay(30, opts, () => 1)).toBe(8000);
    // 16 cameras failing at once: their retries must not land in the same instant.
    const delays = Array.from({ length: 16 }, () => backoffDelay(2, opts));
    expect(new Set(delays).size).toBeGreaterThan(8);
    expect(Math.max(...delays) - Math.min(...delays)).toBeGreaterThan(500);
  });
});

describe('credential redaction', () => {
  it('removes userinfo from URLs anywhere in text', () => {
    expect(redactUrl('rtsp://admin:hunter22@10.0.0.5/live')).toBe('rtsp://***@10.0.0.5/live');
    expect(redact('[rtsp @ 0x1] rtsp://a:b@h:554/x: 401 Unauthorized')).not.toContain('a:b');
  });
  it('removes known secrets, also URL-encoded', () => {
    expect(redact('login p@ss w0rd! failed; url p%40ss%20w0rd!', ['p@ss w0rd!'])).toBe('login *** failed; url ***');
  });
});

describe('ffmpeg command line', () => {
  const camera: CameraRow = { id: 1, name: 'c', enabled: true, source: 'rtsp', credentials: null, maxAgeMs: null, createdAt: 0 };
  const stream: StreamRow = { id: 1, cameraId: 1, kind: 'main', url: 'rtsp://10.0.0.5/live', codec: null, width: null, height: null, audioCodec: null };
  const tmp = tempDir();
  const box = KeyFileSecretBox.open(join(tmp.dir, 'k'));

  const seg = (audioCodec: string | null) =>
    segmentArgs(new RtspOpener(box).open(camera, stream), { segmentSeconds: 60, fragmentMs: 250, audioCodec, outputPattern: '/rec/c1/2026-11-25/r7-%06d.mp4', progressSeconds: 2 });

  it('copies video over TCP with a socket timeout and a protocol whitelist into flushed fMP4 segments', () => {
    const args = seg(null);
    // A camera without a login: the plain URL, over TCP, with a socket timeout and a protocol whitelist.
    expect(args).toEqual(expect.arrayContaining(['-c:v', 'copy', '-rtsp_transport', 'tcp', '-timeout', '5000000', '-f', 'segment', '-reset_timestamps', '1']));
    expect(args[args.indexOf('-protocol_whitelist') + 1]).not.toMatch(/file|concat|pipe|subfile|http/);
    expect(args[args.indexOf('-i') + 1]).toBe('rtsp://10.0.0.5/live');
    // With a login, the address travels on stdin: ffmpeg may read its list from the pipe,
    // and opens the camera itself over TCP, with a socket timeout and a whitelist without pipes or files.
    const withLogin = new RtspOpener(box).open({ ...camera, credentials: sealCredentials(box, { username: 'u', password: 'p' }) }, stream);
    expect(withLogin.inputArgs).toEqual(expect.arrayContaining(['-f', 'concat', '-i', 'pipe:0']));
    expect(withLogin.inputArgs[withLogin.inputArgs.indexOf('-protocol_whitelist') + 1]).toBe('pipe,rtsp,rtsps,rtp,srtp,udp,tcp,tls');
    const list = withLogin.stdin!.replace('u:p@', '');
    expect(list).toMatch(/^file 'rtsp:\/\/10\.0\.0\.5\/live'$/m);
    expect(list).toMatch(/^option rtsp_transport 'tcp'$/m);
    expect(list).toMatch(/^option timeout '5000000'$/m);
    expect(/^option protocol_whitelist '(.*)'$/m.exec(list)![1]).not.toMatch(/file|concat|pipe|subfile|http/);
    // The flush options only work inside segment_format_options.
    expect(args[args.indexOf('-segment_format_options') + 1]).toBe('movflags=+frag_keyframe+empty_moov+default_base_moof:frag_duration=250000:flush_packets=1');
    expect(args.slice(args.indexOf('-segment_list'), args.indexOf('-segment_list') + 4)).toEqual(['-segment_list', 'pipe:3', '-segment_list_type', 'csv']);
    expect(args.at(-1)).toBe('/rec/c1/2026-11-25/r7-%06d.mp4');
    expect(args.slice(args.indexOf('-progress'), args.indexOf('-progress') + 4)).toEqual(['-progress', 'pipe:1', '-stats_period', '2']);
    expect(patternSafe('/data/100%/rec')).toBe('/data/100%%/rec');
    const live = liveArgs(new RtspOpener(box).open(camera, stream), { fragmentMs: 250 });
    expect(live).toEqual(expect.arrayContaining(['-an', '-f', 'mp4', 'pipe:1']));
  });

  it("skips ffmpeg's frame-rate probe only when asked (the express connection), with or without a login", () => {
    const opener = new RtspOpener(box);
    const login = { ...camera, credentials: sealCredentials(box, { username: 'u', password: 'p' }) };
    // Asked: an input option before -i, or an option of the camera's entry in the concat list.
    const quick = opener.open(camera, stream, { quickProbe: true }).inputArgs;
    expect(quick.slice(quick.indexOf('-fpsprobesize'), quick.indexOf('-fpsprobesize') + 2)).toEqual(['-fpsprobesize', '0']);
    expect(quick.indexOf('-fpsprobesize')).toBeLessThan(quick.indexOf('-i'));
    expect(opener.open(login, stream, { quickProbe: true }).stdin).toMatch(/^option fpsprobesize '0'$/m);
    // Not asked (recording): ffmpeg's default probe.
    expect(opener.open(camera, stream).inputArgs).not.toContain('-fpsprobesize');
    expect(opener.open(login, stream, { quickProbe: false }).stdin).not.toMatch(/fpsprobesize/);
  });

  it('reads the segment list and progress reports', () => {
    expect(parseSegmentListLine('r7-000003.mp4,120.040000,180.080000')).toEqual({ name: 'r7-000003.mp4', start: 120.04, end: 180.08 });
    expect(parseSegmentListLine('"/a,b/r7-000003.mp4",1.5,2')).toEqual({ name: 'r7-000003.mp4', start: 1.5, end: 2 });
    expect(parseSegmentListLine('garbage')).toBeNull();
    expect(parseSegmentListLine('x.mp4,5,4')).toBeNull();
    const blocks: unknown[] = [];
    const p = new ProgressParser((b) => blocks.push(b));
    p.push('frame=10\nout_time_us=400000\ntotal_size=1234\nprog');
    p.push('ress=continue\nout_time_us=N/A\ntotal_size=N/A\nprogress=end\n');
    expect(blocks).toEqual([{ outTimeUs: 400000, totalSize: 1234, end: false }, { outTimeUs: null, totalSize: null, end: true }]);
    // CRLF, split anywhere, the older out_time_ms key (also microseconds), a block without a time.
    blocks.length = 0;
    const text = 'bitrate= 5.0kbits/s\r\nout_time_ms=2500000\r\n  total_size=99\r\nprogress=continue\r\nprogress=continue\n';
    for (let i = 0; i < text.length; i += 3) p.push(text.slice(i, i + 3));
    expect(blocks).toEqual([{ outTimeUs: 2500000, totalSize: 99, end: false }, { outTimeUs: null, totalSize: null, end: false }]);
  });

  it('transcodes G.711 audio to AAC but copies AAC', () => {
    const g711 = seg('pcm_mulaw');
    expect(g711.slice(g711.indexOf('-c:a'), g711.indexOf('-c:a') + 2)).toEqual(['-c:a', 'aac']);
    const aac = seg('aac');
    expect(aac.slice(aac.indexOf('-c:a'), aac.indexOf('-c:a') + 2)).toEqual(['-c:a', 'copy']);
    expect(parseInputAudioCodec('  Stream #0:1: Audio: pcm_mulaw, 8000 Hz, mono, s16, 64 kb/s')).toBe('pcm_mulaw');
    expect(parseInputAudioCodec('  Stream #0:0: Video: h264 (High), yuv420p')).toBeNull();
  });

  it("injects credentials only at spawn time, on ffmpeg's stdin, never in its arguments", () => {
    const sealed = sealCredentials(box, { username: 'admin', password: "p@ss:/wo'rd" });
    const src = new RtspOpener(box).open({ ...camera, credentials: sealed }, stream);
    expect(src.inputArgs.slice(src.inputArgs.indexOf('-i'))).toEqual(['-i', 'pipe:0']);
    expect(src.inputArgs.join(' ')).not.toMatch(/admin|p@ss|wo/);
    // The list on stdin: ffconcat, the URL quoted the way ffmpeg reads it back.
    const file = /^file '(.*)'$/m.exec(src.stdin!)![1].replace(/'\\''/g, "'");
    expect(new URL(file).password).toBe(encodeURIComponent("p@ss:/wo'rd"));
    expect(src.stdin).toMatch(/^option rtsp_transport 'tcp'$/m);
    expect(src.stdin).toMatch(/^option timeout '\d+'$/m);
    expect(src.secrets).toContain("p@ss:/wo'rd");
  });

  it('refuses a tampered stored URL before spawning', () => {
    expect(() => new RtspOpener(box).open(camera, { ...stream, url: '-i file:/etc/passwd' })).toThrow(/must not start/);
    expect(() => new RtspOpener(box).open(camera, { ...stream, url: 'file:///etc/passwd' })).toThrow(/only rtsp/);
  });

  it('keeps the telling stderr line', () => {
    const t = new TailBuffer();
    t.push('Input #0\n[tcp @ 0x1] Connection to tcp://10.0.0.5:554 failed: Connection refused\nrtsp://10.0.0.5/live: Connection refused\nExiting\n');
    expect(t.lastError()).toMatch(/Connection refused/);
  });
});

describe('credentials at rest', () => {
  const tmp = tempDir();
  it('encrypts with a 0600 key file and round-trips', () => {
    const file = join(tmp.dir, 'secret.key');
    const box = KeyFileSecretBox.open(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const sealed = sealCredentials(box, { username: 'u', password: 'correct horse' })!;
    expect(sealed.toString('latin1')).not.toContain('correct horse');
    expect(openCredentials(KeyFileSecretBox.open(file), sealed)).toEqual({ username: 'u', password: 'correct horse' });
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 1] ^= 1;
    expect(() => openCredentials(box, tampered)).toThrow();
  });
  it('splits credentials out of URLs', () => {
    expect(splitCredentials('rtsp://ad%20min:p%40ss@cam:554/s')).toEqual({ url: 'rtsp://cam:554/s', credentials: { username: 'ad min', password: 'p@ss' } });
    expect(withCredentials('rtsp://cam/s', 'a b', 'c@d')).toBe('rtsp://a%20b:c%40d@cam/s');
  });
});

describe('HTTP Range', () => {
  it.each([
    [undefined, 100, { kind: 'full' }],
    ['bytes=0-0', 100, { kind: 'partial', start: 0, end: 0 }],
    ['bytes=10-', 100, { kind: 'partial', start: 10, end: 99 }],
    ['bytes=-10', 100, { kind: 'partial', start: 90, end: 99 }],
    ['bytes=50-500', 100, { kind: 'partial', start: 50, end: 99 }],
    ['bytes=100-', 100, { kind: 'unsatisfiable' }],
    ['bytes=5-1', 100, { kind: 'unsatisfiable' }],
    ['bytes=-0', 100, { kind: 'unsatisfiable' }],
    ['bytes=0-1,5-6', 100, { kind: 'full' }],
    ['items=0-1', 100, { kind: 'unsatisfiable' }],
  ] as const)('%s of %d bytes', (header, size, expected) => {
    expect(parseRange(header, size)).toEqual(expected);
  });
});

describe('finding ffmpeg', () => {
  it('prefers the configured path, then the bundled copy, then PATH, and says how to install it', async () => {
    const { locateBinary } = await import('../../main/engine/ingest/ffmpeg-locator.ts');
    const { mkdirSync, writeFileSync } = await import('node:fs');
    const tmp = tempDir('kw-ffmpeg-');
    const bundledDir = join(tmp.dir, 'resources', 'ffmpeg', `${process.platform}-${process.arch}`);
    mkdirSync(bundledDir, { recursive: true });
    writeFileSync(join(bundledDir, 'ffmpeg'), '#!/bin/sh\n', { mode: 0o755 });
    expect(locateBinary('ffmpeg', { resourcesDir: join(tmp.dir, 'resources'), env: { PATH: '/usr/bin' } })).toBe(join(bundledDir, 'ffmpeg'));
    expect(locateBinary('ffmpeg', { env: { PATH: `/nonexistent:/usr/bin` } })).toBe('/usr/bin/ffmpeg');
    expect(() => locateBinary('ffmpeg', { configured: '/no/such/ffmpeg' })).toThrow(/configured ffmpeg .* does not exist/);
    expect(() => locateBinary('ffmpeg', { env: { PATH: tmp.dir } })).toThrow(/apt-get install ffmpeg/);
    tmp.cleanup();
  });
});
