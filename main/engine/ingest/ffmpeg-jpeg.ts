/**
 * One picture by a one-shot ffmpeg: the input bytes on stdin, a JPEG on
 * stdout (thumbnails of recordings, review pictures, MQTT snapshots).
 * Through the process runner (argument array, dies with the engine), at low
 * CPU priority so it never competes with recording, with a deadline and an
 * optional abort.
 */
import { setPriority } from 'node:os';
import { nodeProcessRunner, type ProcessRunner } from './process-runner.ts';

export interface JpegJob {
  /** What is made, for error messages ("thumbnail", "snapshot"). */
  what: string;
  timeoutMs: number;
  signal?: AbortSignal;
  runner?: ProcessRunner;
}

export function jpegFromFfmpeg(ffmpegPath: string, args: readonly string[], input: Buffer, job: JpegJob): Promise<Buffer> {
  if (job.signal?.aborted) return Promise.reject(new Error(`${job.what} cancelled`));
  return new Promise((resolve, reject) => {
    const proc = (job.runner ?? nodeProcessRunner).spawn(ffmpegPath, args, { stdinPipe: true });
    try {
      if (proc.pid) setPriority(proc.pid, 10);
    } catch {
      // not permitted here: fine, callers make one picture at a time
    }
    const out: Buffer[] = [];
    let err = '';
    let done = false;
    const finish = (e: Error | null, value?: Buffer) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      job.signal?.removeEventListener('abort', onAbort);
      if (e) {
        proc.kill('SIGKILL');
        reject(e);
      } else resolve(value!);
    };
    const onAbort = () => finish(new Error(`${job.what} cancelled`));
    const timer = setTimeout(() => finish(new Error(`ffmpeg took too long to make the ${job.what}`)), job.timeoutMs);
    job.signal?.addEventListener('abort', onAbort);
    proc.stdout?.on('data', (d: Buffer) => out.push(d));
    proc.stderr?.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
    proc.on('error', (e) => finish(new Error(`could not start ffmpeg: ${e.message}`)));
    proc.on('close', (code) => {
      const jpeg = Buffer.concat(out);
      if (code === 0 && jpeg.length > 2 && jpeg[0] === 0xff && jpeg[1] === 0xd8) finish(null, jpeg);
      else finish(new Error(`ffmpeg could not make the ${job.what} (${code}): ${err.trim().split('\n').pop() ?? ''}`));
    });
    // ffmpeg may exit before reading everything (it needs one frame): ignore EPIPE.
    proc.stdin?.on('error', () => undefined);
    proc.stdin?.end(input);
  });
}
