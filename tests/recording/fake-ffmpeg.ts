/**
 * A stand-in for a recording ffmpeg, behind the injected ProcessRunner: the
 * test decides what it writes (segment files, progress on pipe:1, finished
 * segments on pipe:3) and when it exits, and drives time with a ManualClock.
 * No camera, no ffmpeg process, no sleeping.
 */
import { EventEmitter } from 'node:events';
import { appendFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { PassThrough } from 'node:stream';
import type { ChildProcess } from 'node:child_process';
import { children } from '../../main/engine/mp4/boxes.ts';
import type { ProcessRunner } from '../../main/engine/ingest/process-runner.ts';
import type { CameraOpener } from '../../main/engine/ingest/opener.ts';

export class FakeFfmpeg extends EventEmitter {
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly list = new PassThrough();
  readonly stdio: unknown[];
  readonly signals: (NodeJS.Signals | undefined)[] = [];
  readonly pid = 4242;
  exited = false;

  constructor(readonly args: readonly string[]) {
    super();
    this.stdio = [null, this.stdout, this.stderr, this.list];
  }

  /** The segment file ffmpeg would write for `seq` (from the `-f segment` output pattern). */
  segmentPath(seq: number): string {
    const pattern = this.args.at(-1)!;
    return pattern.replace('%06d', String(seq).padStart(6, '0')).replace(/%%/g, '%');
  }

  write(seq: number, bytes: Buffer): void {
    writeFileSync(this.segmentPath(seq), bytes);
  }

  append(seq: number, bytes: Buffer): void {
    appendFileSync(this.segmentPath(seq), bytes);
  }

  /** A `-progress` block: `outMs` of media written so far. */
  progress(outMs: number): void {
    this.stdout.write(`out_time_us=${Math.round(outMs * 1000)}\ntotal_size=1\nprogress=continue\n`);
  }

  /** `-segment_list pipe:3`: segment `seq` is finished, covering [start, end] seconds of the run. */
  finished(seq: number, start: number, end: number): void {
    this.list.write(`${basename(this.segmentPath(seq))},${start.toFixed(6)},${end.toFixed(6)}\n`);
  }

  kill(signal?: NodeJS.Signals): boolean {
    this.signals.push(signal);
    setImmediate(() => this.exit(null, signal ?? 'SIGTERM'));
    return true;
  }

  exit(code: number | null, signal: NodeJS.Signals | null = null): void {
    if (this.exited) return;
    this.exited = true;
    this.stdout.end();
    this.list.end();
    this.stderr.end();
    this.emit('close', code, signal);
  }
}

export class FakeRunner implements ProcessRunner {
  readonly spawned: FakeFfmpeg[] = [];
  spawn(_command: string, args: readonly string[]): ChildProcess {
    const proc = new FakeFfmpeg(args);
    this.spawned.push(proc);
    return proc as unknown as ChildProcess;
  }
}

export const fakeOpener: CameraOpener = {
  open: () => ({ inputArgs: ['-i', 'rtsp://camera.invalid/'], videoArgs: ['-c:v', 'copy'], secrets: [] }),
};

/** A fragmented MP4 cut into its init segment and its fragments (moof + mdat each). */
export function splitFragmented(mp4: Buffer): { init: Buffer; fragments: Buffer[] } {
  const boxes = children(mp4);
  const moov = boxes.findIndex((b) => b.type === 'moov');
  const init = mp4.subarray(0, boxes[moov].start + boxes[moov].size);
  const fragments: Buffer[] = [];
  for (let i = moov + 1; i + 1 < boxes.length; i++) {
    if (boxes[i].type !== 'moof' || boxes[i + 1].type !== 'mdat') continue;
    fragments.push(mp4.subarray(boxes[i].start, boxes[i + 1].start + boxes[i + 1].size));
    i++;
  }
  return { init, fragments };
}
