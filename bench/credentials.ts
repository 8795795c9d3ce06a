/**
 * What keeping credentials out of ffmpeg's argument list costs (issue 9).
 *
 * The engine gives ffmpeg the camera's address on stdin as a one-entry
 * ffconcat list instead of on its command line (ingest/opener.ts), so the
 * concat demuxer sits between the RTSP demuxer and the muxer. This bench
 * records the same 1080p 4 Mb/s cameras with both command lines at the same
 * time — N recorders per side, the same segment muxer options the engine
 * uses — and compares their CPU. Both sides run together, several rounds,
 * so the machine's noise hits them alike; medians and spread are reported.
 * Cameras without a login keep the plain URL and do not pay this.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startSimCameras } from '../tests/sim/cameras.ts';
import { makeTestFile } from '../tests/sim/signature.ts';
import { tempDir } from '../tests/helpers/tmp.ts';
import { ffconcatList, RTSP_PROTOCOLS } from '../main/engine/ingest/opener.ts';
import { cpuPercent, sampleTree } from './proc-stats.ts';
import type { BenchRow } from './report.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function output(dir: string): string[] {
  return [
    '-map', '0:v:0', '-c:v', 'copy', '-f', 'segment', '-segment_time', '60', '-segment_format', 'mp4',
    '-segment_format_options', 'movflags=+frag_keyframe+empty_moov+default_base_moof:frag_duration=250000:flush_packets=1',
    '-reset_timestamps', '1', join(dir, 'seg-%06d.mp4'),
  ];
}

function recorder(url: string, dir: string, viaStdin: boolean): ChildProcess {
  mkdirSync(dir, { recursive: true });
  const common = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error'];
  if (!viaStdin) {
    return spawn('ffmpeg', [...common, '-protocol_whitelist', RTSP_PROTOCOLS, '-rtsp_transport', 'tcp', '-timeout', '5000000', '-i', url, ...output(dir)], { stdio: 'ignore' });
  }
  const child = spawn('ffmpeg', [...common, '-protocol_whitelist', `pipe,${RTSP_PROTOCOLS}`, '-f', 'concat', '-safe', '0', '-i', 'pipe:0', ...output(dir)], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  child.stdin!.end(ffconcatList(url, { protocol_whitelist: RTSP_PROTOCOLS, rtsp_transport: 'tcp', timeout: '5000000' }));
  return child;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function benchCredentials(opts: { quick: boolean }): Promise<BenchRow[]> {
  const cameras = 4;
  const rounds = opts.quick ? 3 : 5;
  const seconds = opts.quick ? 15 : 30;
  const tmp = tempDir('kw-bench-creds-');
  try {
    const source = join(tmp.dir, 'source-1080p.mp4');
    await makeTestFile(source, { width: 1920, height: 1080, fps: 25, seconds: 20, gop: 50, bitrate: '4M', noise: true });
    const sims = await startSimCameras(Array.from({ length: cameras }, (_, i) => ({ color: i, file: source })));
    const ratios: number[] = [];
    const direct: number[] = [];
    const stdin: number[] = [];
    try {
      for (let round = 0; round < rounds; round++) {
        const a = sims.cameras.map((c, i) => recorder(c.mainUrl, join(tmp.dir, `r${round}-direct-${i}`), false));
        const b = sims.cameras.map((c, i) => recorder(c.mainUrl, join(tmp.dir, `r${round}-stdin-${i}`), true));
        await sleep(5000); // connect and settle
        const sa0 = sampleTree(a.map((p) => p.pid!));
        const sb0 = sampleTree(b.map((p) => p.pid!));
        await sleep(seconds * 1000);
        const cpuA = cpuPercent(sa0, sampleTree(a.map((p) => p.pid!)));
        const cpuB = cpuPercent(sb0, sampleTree(b.map((p) => p.pid!)));
        for (const p of [...a, ...b]) p.kill('SIGKILL');
        direct.push(cpuA / cameras);
        stdin.push(cpuB / cameras);
        ratios.push(cpuB / Math.max(cpuA, 0.001));
      }
    } finally {
      await sims.stopAll();
    }
    const spread = (xs: number[]) => `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`;
    const ratio = median(ratios);
    return [
      { group: 'credentials', name: 'ffmpeg per camera, URL on the command line', value: median(direct), unit: '% core', note: `${rounds} rounds, spread ${spread(direct)}` },
      { group: 'credentials', name: 'ffmpeg per camera, URL on stdin (as shipped)', value: median(stdin), unit: '% core', note: `spread ${spread(stdin)}` },
      // Only cameras with a login pay this (docs/security.md); the bar keeps it from growing unnoticed.
      { group: 'credentials', name: 'stdin ÷ command line', value: ratio, unit: '×', target: '≤ 1.20', pass: ratio <= 1.2, note: `median of ${rounds}, spread ${spread(ratios)}` },
    ];
  } finally {
    tmp.cleanup();
  }
}
