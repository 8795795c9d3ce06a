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

/**
 * Several pictures by one ffmpeg: input i on descriptor 3 + i, its JPEG on
 * descriptor 3 + n + i (`args` name them so, see `batchDescriptors`). One
 * process start instead of n: starting Debian's ffmpeg (215 shared
 * libraries) costs about 50 ms of CPU, most of what one small picture costs.
 * Each picture is tied to its input by its own descriptor, never by its
 * place in a shared stream, so a picture that fails cannot shift the others
 * onto the wrong input. Resolves with a JPEG or an Error per input; rejects
 * when ffmpeg cannot start, takes too long or the job is aborted.
 */
export function jpegsFromFfmpeg(ffmpegPath: string, args: readonly string[], inputs: readonly Buffer[], job: JpegJob): Promise<(Buffer | Error)[]> {
  if (job.signal?.aborted) return Promise.reject(new Error(`${job.what} cancelled`));
  const n = inputs.length;
  return new Promise((resolve, reject) => {
    const proc = (job.runner ?? nodeProcessRunner).spawn(ffmpegPath, args, { extraPipes: 2 * n });
    try {
      if (proc.pid) setPriority(proc.pid, 10);
    } catch {
      // not permitted here: fine, one batch at a time
    }
    const pipes = proc.stdio as unknown as (NodeJS.ReadWriteStream | null | undefined)[];
    const outputs: Buffer[][] = inputs.map(() => []);
    let err = '';
    let done = false;
    const finish = (e: Error | null, value?: (Buffer | Error)[]) => {
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
    const timer = setTimeout(() => finish(new Error(`ffmpeg took too long to make the ${job.what}s`)), job.timeoutMs);
    job.signal?.addEventListener('abort', onAbort);
    proc.stderr?.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
    proc.on('error', (e) => finish(new Error(`could not start ffmpeg: ${e.message}`)));
    for (let i = 0; i < n; i++) pipes[3 + n + i]?.on('data', (d: Buffer) => outputs[i].push(d));
    proc.on('close', (code) => {
      const why = err.trim().split('\n').pop() ?? '';
      finish(
        null,
        outputs.map((parts) => {
          const jpeg = Buffer.concat(parts);
          if (code === 0 && jpeg.length > 2 && jpeg[0] === 0xff && jpeg[1] === 0xd8) return jpeg;
          return new Error(`ffmpeg could not make the ${job.what} (${code}): ${why}`);
        }),
      );
    });
    for (let i = 0; i < n; i++) {
      const input = pipes[3 + i];
      // ffmpeg may stop reading an input once it has its frame: ignore EPIPE.
      input?.on('error', () => undefined);
      input?.end(inputs[i]);
    }
  });
}

/** The pipe names of a batch of `n`: input i is read from `inputs[i]`, its picture written to `outputs[i]`. */
export function batchDescriptors(n: number): { inputs: string[]; outputs: string[] } {
  return {
    inputs: Array.from({ length: n }, (_, i) => `pipe:${3 + i}`),
    outputs: Array.from({ length: n }, (_, i) => `pipe:${3 + n + i}`),
  };
}
