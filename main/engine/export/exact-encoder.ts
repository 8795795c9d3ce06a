/**
 * The exact (re-encoding) export of one camera: ffmpeg cuts a gap-free copy
 * export (made first, in the job's temp folder) at exactly `from`/`to` and
 * burns the UTC time into the picture. Gaps were collapsed by the copy, so the
 * clock is drawn per piece of real time: one drawtext per piece, enabled only
 * over that piece, each with its own UTC offset. Progress comes from
 * `-progress pipe:1`. Argument array, no shell; the drawtext texts are files
 * in the temp folder (ffmpeg runs there), so no path is ever escaped into a
 * filter graph.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WrittenPiece } from './concat-writer.ts';
import { ExportCancelled } from './concat-writer.ts';

export interface ExactJob {
  ffmpegPath: string;
  /** Folder holding `input` and receiving `output`; ffmpeg's working directory. */
  workDir: string;
  input: string;
  output: string;
  pieces: WrittenPiece[];
  from: number;
  to: number;
  burnTimestamp: boolean;
  signal?: AbortSignal;
  onProgress?: (fraction: number) => void;
}

export interface ExactCut {
  /** Seconds skipped at the start of the copy (from the keyframe to `from`). */
  headSeconds: number;
  durationSeconds: number;
}

/** Where the exact cut falls in the copy export. */
export function exactCut(pieces: WrittenPiece[], from: number, to: number): ExactCut {
  const first = pieces[0];
  const last = pieces[pieces.length - 1];
  const headMs = Math.max(0, Math.min(from - first.from, first.fileEndMs - first.fileStartMs));
  const tailMs = Math.max(0, last.to - to);
  const totalMs = last.fileEndMs;
  return { headSeconds: headMs / 1000, durationSeconds: Math.max(0.04, (totalMs - headMs - tailMs) / 1000) };
}

/** The drawtext filters: one per piece, each showing that piece's UTC clock. */
export function timestampFilters(pieces: WrittenPiece[], headSeconds: number, textFile: (i: number) => string): string[] {
  return pieces.map((p, i) => {
    const start = p.fileStartMs / 1000 - headSeconds;
    const end = p.fileEndMs / 1000 - headSeconds;
    return (
      `drawtext=textfile=${textFile(i)}:expansion=normal:x=w/60:y=h-th-h/30:fontsize=h/24:fontcolor=white:` +
      `box=1:boxcolor=black@0.55:boxborderw=6:enable='gte(t,${start.toFixed(3)})*lt(t,${end.toFixed(3)})'`
    );
  });
}

/** drawtext text for a piece: the frame's pts plus the piece's offset, as UTC. */
export function timestampText(piece: WrittenPiece, headSeconds: number): string {
  const offset = piece.from / 1000 - (piece.fileStartMs / 1000 - headSeconds);
  return `%{pts:gmtime:${offset.toFixed(3)}:%Y-%m-%d %H\\:%M\\:%S} UTC`;
}

export function exactArgs(job: ExactJob, cut: ExactCut, filters: string[]): string[] {
  return [
    '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error',
    '-ss', cut.headSeconds.toFixed(3),
    '-i', job.input,
    '-t', cut.durationSeconds.toFixed(3),
    '-map', '0:v:0', '-map', '0:a:0?',
    ...(filters.length ? ['-vf', filters.join(',')] : []),
    '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-b:a', '96k',
    '-movflags', '+faststart',
    '-progress', 'pipe:1',
    '-y', job.output,
  ];
}

export function encodeExact(job: ExactJob): Promise<void> {
  const cut = exactCut(job.pieces, job.from, job.to);
  const filters = job.burnTimestamp
    ? timestampFilters(job.pieces, cut.headSeconds, (i) => {
        const name = `timestamp-${i}.txt`;
        writeFileSync(join(job.workDir, name), timestampText(job.pieces[i], cut.headSeconds), { mode: 0o600 }); // a few bytes, once per export
        return name;
      })
    : [];
  const args = exactArgs(job, cut, filters);
  return new Promise((resolve, reject) => {
    const proc = spawn(job.ffmpegPath, args, { cwd: job.workDir, stdio: ['ignore', 'pipe', 'pipe'], shell: false, windowsHide: true });
    let stderr = '';
    let settled = false;
    const onAbort = () => proc.kill('SIGKILL');
    job.signal?.addEventListener('abort', onAbort);
    const settle = (err: Error | null) => {
      if (settled) return;
      settled = true;
      job.signal?.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve();
    };
    let pending = '';
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const m = /^out_time_us=(\d+)/.exec(line);
        if (m) job.onProgress?.(Math.min(1, Number(m[1]) / 1e6 / cut.durationSeconds));
      }
    });
    proc.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    proc.on('error', (e) => settle(new Error(`could not start ffmpeg: ${e.message}`)));
    proc.on('close', (code) => {
      if (job.signal?.aborted) settle(new ExportCancelled());
      else if (code === 0) settle(null);
      else settle(new Error(`ffmpeg could not re-encode the export (exit ${code}): ${stderr.trim().split('\n').slice(-3).join(' ')}`));
    });
  });
}
