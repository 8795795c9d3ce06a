// A scripted camera for motion detection with real ffmpeg: a clip made by
// ffmpeg's lavfi (static test pattern with sensor noise, a box that enters and
// leaves at known times, a light switched on), split into the fMP4 init and
// fragments the recorder would publish, and played into a LiveHub in real
// time. Shared by tests/detection/motion-ffmpeg.test.ts and
// bench/detection-motion.ts.
import { spawn } from 'node:child_process';
import { Mp4StreamReader, type Fragment } from '../../main/engine/mp4/stream-reader.ts';
import type { InitInfo } from '../../main/engine/mp4/init.ts';
import type { LiveSink } from '../../main/engine/recording/stream-recorder.ts';

export interface Clip {
  init: Buffer;
  info: InitInfo;
  fragments: Fragment[];
  /** Media end of each fragment (ms from the clip start). */
  endsMs: number[];
}

/** Ground truth of the scripted clip (ms from its start). */
export interface ClipScript {
  seconds: number;
  /** Intervals in which something moves. */
  motion: { from: number; to: number }[];
  /** A whole-picture brightness step (not motion). */
  lightStepAt: number | null;
}

export const SCRIPTED: ClipScript = { seconds: 15, motion: [{ from: 4000, to: 7500 }], lightStepAt: 11_000 };

export interface ClipOptions {
  width?: number;
  height?: number;
  fps?: number;
  bitrate?: string;
  /** Noise seed/strength variant, so two clips differ. */
  variant?: number;
}

/**
 * Encodes `script` like a camera's sub stream (H.264, 1 s GOP, 250 ms
 * fragments): SMPTE bars with temporal noise, a red box sliding across while
 * `script.motion` says so, and the luma ×1.5 from `lightStepAt`.
 */
export async function makeClip(script: ClipScript, o: ClipOptions = {}): Promise<Clip> {
  const width = o.width ?? 640;
  const height = o.height ?? 360;
  const fps = o.fps ?? 15;
  const bw = Math.round(width * 0.11);
  const bh = Math.round(height * 0.3);
  const chains: string[] = [`[0:v]noise=alls=${6 + (o.variant ?? 0)}:allf=t[s0]`];
  let last = 's0';
  script.motion.forEach((m, i) => {
    const from = m.from / 1000;
    const to = m.to / 1000;
    const speed = (width * 0.8) / (to - from);
    chains.push(`[${last}][${i + 1}:v]overlay=x='${Math.round(width * 0.05)}+(t-${from})*${speed.toFixed(2)}':y=${Math.round(height * 0.4)}:enable='between(t,${from},${to - 0.001})'[s${i + 1}]`);
    last = `s${i + 1}`;
  });
  if (script.lightStepAt !== null) {
    chains.push(`[${last}]lutyuv=y='val*1.5':enable='gte(t,${script.lightStepAt / 1000})'[v]`);
  } else {
    chains.push(`[${last}]null[v]`);
  }
  const args = [
    '-hide_banner', '-loglevel', 'error',
    '-f', 'lavfi', '-i', `smptebars=size=${width}x${height}:rate=${fps}`,
    ...script.motion.flatMap(() => ['-f', 'lavfi', '-i', `color=c=0xE02020:size=${bw}x${bh}:rate=${fps}`]),
    '-filter_complex', chains.join(';'),
    '-map', '[v]',
    '-t', String(script.seconds),
    '-c:v', 'libx264', '-preset', 'veryfast', '-b:v', o.bitrate ?? '600k', '-maxrate', o.bitrate ?? '600k', '-bufsize', o.bitrate ?? '600k',
    '-g', String(fps), '-keyint_min', String(fps), '-sc_threshold', '0', '-bf', '0', '-pix_fmt', 'yuv420p',
    '-f', 'mp4', '-movflags', '+frag_keyframe+empty_moov+default_base_moof', '-frag_duration', '250000',
    'pipe:1',
  ];
  const proc = spawn('ffmpeg', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let init: Buffer | null = null;
  let info: InitInfo | null = null;
  const fragments: Fragment[] = [];
  const reader = new Mp4StreamReader({ onInit: (i, inf) => ((init = i), (info = inf)), onFragment: (f) => fragments.push(f) });
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  proc.stdout.on('data', (d: Buffer) => reader.push(d));
  const code = await new Promise<number | null>((r) => proc.on('close', r));
  if (code !== 0 || !init || !info) throw new Error(`ffmpeg could not make the clip (${code}): ${stderr}`);
  const video = (info as InitInfo).video!;
  const endsMs = fragments.map((f) => {
    const run = f.info.runs.find((r) => r.trackId === video.trackId)!;
    return ((run.baseDecodeTime + run.duration) * 1000) / video.timescale;
  });
  return { init, info, fragments, endsMs };
}

/**
 * Publishes the clip as a recorder would (init, then each fragment when its
 * last frame has been "captured"), starting at wall time `start`. Resolves
 * after the last fragment.
 */
export async function playClip(sink: LiveSink, cameraId: number, kind: 'main' | 'sub', clip: Clip, start: number, stopped: () => boolean = () => false): Promise<void> {
  sink.onInit(cameraId, kind, clip.init, clip.info);
  for (let i = 0; i < clip.fragments.length; i++) {
    const wait = start + clip.endsMs[i] - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (stopped()) return;
    sink.onFragment(cameraId, kind, clip.fragments[i]);
  }
}
