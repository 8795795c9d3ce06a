/**
 * Pictures by a one-shot ffmpeg: one picture with the input bytes on stdin
 * and the JPEG on stdout (thumbnails of recordings, review pictures, MQTT
 * snapshots), or a batch, each input and each JPEG on its own pipe
 * (background thumbnails). Through the process runner (argument array, dies
 * with the engine), at low CPU priority so it never competes with recording,
 * with a deadline and an optional abort.
 */
import type { ChildProcess } from 'node:child_process';
import { setPriority } from 'node:os';
import { nodeProcessRunner, type ProcessRunner, type SpawnOptions } from './process-runner.ts';

export interface JpegJob {
  /** What is made, for error messages ("thumbnail", "snapshot"). */
  what: string;
  timeoutMs: number;
  signal?: AbortSignal;
  runner?: ProcessRunner;
}

/**
 * Starts the ffmpeg, hands it to `feed` (which wires its pipes and returns
 * what makes the result from the exit code and ffmpeg's last error line),
 * and settles once: with that result, or with an error when ffmpeg cannot
 * start, takes too long or the job is aborted (ffmpeg is then killed).
 */
function runPictureJob<T>(ffmpegPath: string, args: readonly string[], options: SpawnOptions, job: JpegJob, feed: (proc: ChildProcess) => (code: number | null, why: string) => T): Promise<T> {
  if (job.signal?.aborted) return Promise.reject(new Error(`${job.what} cancelled`));
  return new Promise((resolve, reject) => {
    const proc = (job.runner ?? nodeProcessRunner).spawn(ffmpegPath, args, options);
    try {
      if (proc.pid) setPriority(proc.pid, 10);
    } catch {
      // not permitted here: fine, callers make one picture (or one batch) at a time
    }
    let err = '';
    let done = false;
    const finish = (e: Error | null, value?: T) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      job.signal?.removeEventListener('abort', onAbort);
      if (e) {
        proc.kill('SIGKILL');
        reject(e);
      } else resolve(value as T);
    };
    const onAbort = () => finish(new Error(`${job.what} cancelled`));
    const timer = setTimeout(() => finish(new Error(`ffmpeg took too long to make the ${job.what}`)), job.timeoutMs);
    job.signal?.addEventListener('abort', onAbort);
    proc.stderr?.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
    proc.on('error', (e) => finish(new Error(`could not start ffmpeg: ${e.message}`)));
    const result = feed(proc);
    proc.on('close', (code) => {
      try {
        finish(null, result(code, err.trim().split('\n').pop() ?? ''));
      } catch (e) {
        finish(e as Error);
      }
    });
  });
}

/** A JPEG from a clean exit, else the error saying why not. */
function jpegOrError(parts: Buffer[], code: number | null, why: string, what: string): Buffer | Error {
  const jpeg = Buffer.concat(parts);
  if (code === 0 && jpeg.length > 2 && jpeg[0] === 0xff && jpeg[1] === 0xd8) return jpeg;
  return new Error(`ffmpeg could not make the ${what} (${code}): ${why}`);
}

export function jpegFromFfmpeg(ffmpegPath: string, args: readonly string[], input: Buffer, job: JpegJob): Promise<Buffer> {
  return runPictureJob(ffmpegPath, args, { stdinPipe: true }, job, (proc) => {
    const out: Buffer[] = [];
    proc.stdout?.on('data', (d: Buffer) => out.push(d));
    // ffmpeg may exit before reading everything (it needs one frame): ignore EPIPE.
    proc.stdin?.on('error', () => undefined);
    proc.stdin?.end(input);
    return (code, why) => {
      const jpeg = jpegOrError(out, code, why, job.what);
      if (jpeg instanceof Error) throw jpeg;
      return jpeg;
    };
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
  const n = inputs.length;
  return runPictureJob(ffmpegPath, args, { extraPipes: 2 * n }, job, (proc) => {
    const pipes = proc.stdio as unknown as (NodeJS.ReadWriteStream | null | undefined)[];
    const outputs: Buffer[][] = inputs.map(() => []);
    for (let i = 0; i < n; i++) pipes[3 + n + i]?.on('data', (d: Buffer) => outputs[i].push(d));
    for (let i = 0; i < n; i++) {
      const input = pipes[3 + i];
      // ffmpeg may stop reading an input once it has its frame: ignore EPIPE.
      input?.on('error', () => undefined);
      input?.end(inputs[i]);
    }
    return (code, why) => outputs.map((parts) => jpegOrError(parts, code, why, job.what));
  });
}

/** The pipe names of a batch of `n`: input i is read from `inputs[i]`, its picture written to `outputs[i]`. */
export function batchDescriptors(n: number): { inputs: string[]; outputs: string[] } {
  return {
    inputs: Array.from({ length: n }, (_, i) => `pipe:${3 + i}`),
    outputs: Array.from({ length: n }, (_, i) => `pipe:${3 + n + i}`),
  };
}
