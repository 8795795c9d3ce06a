/**
 * On-demand H.264 transcode of an H.265 live feed, for browsers whose MSE
 * cannot decode HEVC (Chromium on Linux without hardware decode).
 *
 * It is a viewer of the source feed like any WebSocket: the hub's fragments
 * are written to a separate ffmpeg's stdin (never a second camera
 * connection), and its fragmented-MP4 stdout is published as another live
 * feed. Its stdin queue is the viewer backlog, so an ffmpeg that falls behind
 * is skipped ahead to the next keyframe like a slow viewer, and recording
 * never waits for it. The hub runs it only while someone watches.
 */
import type { ChildProcess } from 'node:child_process';
import { FLV_OUTPUT } from '../ingest/ffmpeg-args.ts';
import { killFed, nodeProcessRunner, writeStdin } from '../ingest/process-runner.ts';
import type { Logger } from '../log.ts';
import type { InitInfo } from '../mp4/init.ts';
import { FlvToFmp4 } from '../flv/to-fmp4.ts';
import { LiveStream, type DropReason, type LiveViewer, type StreamDescription } from './live-stream.ts';
import { liveTrace } from './live-trace.ts';

/** Spawns the transcoding ffmpeg with stdin, stdout and stderr piped (injected in tests). */
export type TranscodeSpawner = (ffmpegPath: string, args: readonly string[]) => ChildProcess;

/** Through the engine's process runner: the transcode dies with the engine on every OS. */
export const spawnTranscoder: TranscodeSpawner = (ffmpegPath, args) => nodeProcessRunner.spawn(ffmpegPath, args, { stdinPipe: true });

/** The source picture size, when known (from its init segment). */
export interface TranscodeSource {
  width: number | null;
  height: number | null;
}

/**
 * Up to this many pixels (1080p) the source is decoded on one thread. A
 * frame-threaded decoder holds back a frame per extra thread before it
 * outputs one (with 2 cores: 2 frames, 133 ms at 15 fps): the transcode's
 * first frame would wait for the third frame of input, and every frame after
 * it would be that much later. One thread decodes 1080p H.265 at over 100
 * frames a second here; larger sources keep frame threads to keep up.
 */
export const ONE_THREAD_DECODE_PIXELS = 1920 * 1088;

/**
 * Up to this many pixels (720p) x264 encodes on one thread too. Its slice
 * threads hand every frame to 3 threads and back: on a busy machine each
 * hand-over waits for a core (first fragment 34 instead of 41 ms median with
 * two busy loops; the same when idle). One thread encodes 720p ultrafast at
 * well over 100 frames a second here, 1080p at about 47: too close to 30 fps
 * with the decoding on the same thread, so larger sources keep slices.
 */
export const ONE_THREAD_ENCODE_PIXELS = 1280 * 736;

/**
 * fMP4 in on stdin, H.264 in FLV out on stdout (flv/to-fmp4.ts makes the
 * fragments): ultrafast, zerolatency, a keyframe every second.
 */
export function transcodeArgs(source: TranscodeSource | null = null): string[] {
  const pixels = source?.width && source.height ? source.width * source.height : null;
  return [
    '-hide_banner',
    '-nostdin',
    '-nostats',
    '-loglevel', 'error',
    // The input is live: start at once instead of probing a few seconds of it.
    // Never `-fflags +nobuffer`: it discards the packets read while probing,
    // which are the GOP's keyframe, so the decoder would start mid-GOP and
    // the first frames would be grey (missing references).
    '-probesize', '4096',
    '-analyzeduration', '0',
    ...(pixels !== null && pixels <= ONE_THREAD_DECODE_PIXELS ? ['-threads', '1'] : []),
    '-f', 'mp4',
    '-i', 'pipe:0',
    '-map', '0:v:0',
    '-an',
    // Live view does not need more than 1080p; a 4K transcode would cost a core.
    '-vf', "scale='min(1920,iw)':-2",
    '-c:v', 'libx264',
    ...(pixels !== null && pixels <= ONE_THREAD_ENCODE_PIXELS ? ['-threads', '1'] : []),
    '-preset', 'ultrafast',
    '-tune', 'zerolatency',
    '-pix_fmt', 'yuv420p',
    '-crf', '26',
    '-maxrate', '4M',
    '-bufsize', '4M',
    // A keyframe every second keeps joins fast and skips short.
    '-force_key_frames', 'expr:gte(t,n_forced*1)',
    // FLV, not MP4: its muxer writes each frame as soon as it is encoded, with
    // its times and length. ffmpeg's MP4 muxer holds a frame until the next
    // one arrives (it needs its duration): every frame left a frame late, and
    // the first picture waited for the camera's second frame. Measured on a
    // 640x360 15 fps source, medians of 12: a frame in → its fragment out 8 ms
    // (MP4: 74); the first fragment 21 ms after the keyframe (MP4: 29 with the
    // GOP at hand, 77 when the frames came in real time). The live feed is
    // fMP4 all the same (flv/to-fmp4.ts).
    ...FLV_OUTPUT,
    '-flush_packets', '1',
    'pipe:1',
  ];
}

/**
 * One transcoding ffmpeg started before it is needed. Starting ffmpeg (the
 * process and its shared libraries) takes about 75 ms on an idle machine and
 * 100-200 ms on a busy one: most of a cold transcode's time to its first
 * frame, and paid again at every restart (a new run of the camera). While
 * some camera can only be watched through a transcode, the hub keeps one
 * ffmpeg started with the transcode's arguments, blocked reading its empty
 * stdin (no CPU), and hands it to the next transcode that starts; the next
 * spare is started a moment later, not while the taken one works.
 */
export class SpareTranscoder {
  private spare: { proc: ChildProcess; key: string; onGone: () => void } | null = null;
  /** The arguments of the spare kept ready (null: none is wanted). */
  private wantedArgs: readonly string[] | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** Spares that died unused in a row (ffmpeg missing or broken): give up after a few. */
  private deaths = 0;

  constructor(
    private readonly spawnFn: TranscodeSpawner,
    private readonly ffmpegPath: () => string,
    /** Wait this long after a spare was taken before starting the next. */
    private readonly delayMs = 1000,
  ) {}

  /**
   * Keep a spare started with these arguments (`transcodeArgs` of the source
   * that will need it), or none (null). A spare started with other arguments
   * is of no use: it is let go.
   */
  want(args: readonly string[] | null): void {
    if (args === null ? this.wantedArgs === null : this.wantedArgs !== null && sameArgs(args, this.wantedArgs)) return;
    this.wantedArgs = args;
    this.release();
    if (args) this.schedule(0);
  }

  private get wanted(): boolean {
    return this.wantedArgs !== null;
  }

  /** The pid of the spare waiting now (tests, stats). */
  get pid(): number | undefined {
    return this.spare?.proc.pid;
  }

  /** A spawner for transcoders: the spare when it is alive and was started for these arguments, else a new ffmpeg. */
  readonly spawn: TranscodeSpawner = (ffmpegPath, args) => {
    const spare = this.spare;
    this.spare = null;
    if (this.wanted) this.schedule(this.delayMs);
    if (spare) {
      spare.proc.removeListener('exit', spare.onGone); // its 'error' listener stays: a no-op once it is no longer the spare
      if (spare.key === spawnKey(ffmpegPath, args) && running(spare.proc)) {
        this.deaths = 0;
        return spare.proc;
      }
      killFed(spare.proc);
    }
    return this.spawnFn(ffmpegPath, args);
  };

  stop(): void {
    this.wantedArgs = null;
    this.release();
  }

  private schedule(ms: number): void {
    if (this.timer || this.spare || this.deaths >= 3) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.wanted && !this.spare) this.start();
    }, ms);
    this.timer.unref?.();
  }

  private start(): void {
    const ffmpegPath = this.ffmpegPath();
    const args = this.wantedArgs;
    if (!args) return;
    let proc: ChildProcess;
    try {
      proc = this.spawnFn(ffmpegPath, args);
    } catch {
      this.deaths += 1;
      return;
    }
    proc.stdin?.on('error', () => undefined);
    const onGone = () => {
      if (this.spare?.proc !== proc) return;
      this.spare = null;
      killFed(proc);
      this.deaths += 1;
      if (this.wanted) this.schedule(this.delayMs * 2 ** this.deaths);
    };
    proc.on('exit', onGone);
    proc.on('error', onGone);
    this.spare = { proc, key: spawnKey(ffmpegPath, args), onGone };
  }

  private release(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const spare = this.spare;
    this.spare = null;
    if (spare) {
      spare.proc.removeListener('exit', spare.onGone);
      killFed(spare.proc);
    }
  }
}

function sameArgs(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function spawnKey(ffmpegPath: string, args: readonly string[]): string {
  return JSON.stringify([ffmpegPath, ...args]);
}

/** Started and not (being) ended. */
function running(proc: ChildProcess): boolean {
  return proc.exitCode === null && proc.signalCode === null && !proc.killed && proc.stdin?.writable === true;
}

export interface TranscoderDeps {
  ffmpegPath: () => string;
  log: Logger;
  spawn?: TranscodeSpawner;
  /** The output init an earlier transcode of the same source produced (see OutputInitMemory). */
  outputInit?: OutputInitMemory;
}

/**
 * The init segments transcodes of this camera stream produced, by the source
 * init each was made from. ffmpeg writes its output's init only with the
 * first encoded frame; announcing the remembered one at once lets the
 * browser set up its decoder (MediaSource, SourceBuffer: 20-35 ms) while
 * ffmpeg starts. The same arguments and the same source init give the same
 * bytes; if ffmpeg's real init differs after all, it is announced as a new
 * run before any media, so no frame is ever read with the wrong header. Kept
 * per (camera id, stream) by the hub and forgotten with the camera.
 *
 * A few sources, not one: a maximised view's feed starts from the recorded
 * stream and switches to the express connection, whose init differs, so
 * every open transcodes both; remembering only the last one missed at every
 * other open (measured: the init reached the page after ffmpeg's in 4 of 10
 * cold opens).
 */
export class OutputInitMemory {
  /** Most recently used last. */
  private entries: { source: Buffer; init: Buffer; info: InitInfo }[] = [];

  constructor(private readonly capacity = 4) {}

  get(source: Buffer): { init: Buffer; info: InitInfo } | null {
    const i = this.entries.findIndex((e) => e.source.equals(source));
    if (i < 0) return null;
    const [entry] = this.entries.splice(i, 1);
    this.entries.push(entry);
    return entry;
  }

  set(source: Buffer, init: Buffer, info: InitInfo): void {
    this.entries = this.entries.filter((e) => !e.source.equals(source));
    this.entries.push({ source, init, info });
    if (this.entries.length > this.capacity) this.entries.shift();
  }
}

/**
 * Reads `source` through a transcoding ffmpeg into `output`. One ffmpeg per
 * run of the source: a new init (camera reconnect) restarts it, because
 * ffmpeg's MP4 demuxer reads one moov per input.
 */
export class Transcoder implements LiveViewer {
  private proc: ChildProcess | null = null;
  private stopped = false;
  private restartTimer: NodeJS.Timeout | null = null;
  /** The source run's init, replayed into a restarted ffmpeg. */
  private sourceInit: Buffer | null = null;
  /** The source run's picture size (the decoder's threads depend on it). */
  private sourceSize: TranscodeSource | null = null;
  /** ffmpeg died mid-run: start a new one at the next keyframe. */
  private restartAtKeyframe = false;
  /** The remembered output init announced for the running ffmpeg (its real one is then not announced again). */
  private announcedInit: Buffer | null = null;
  /** Crashes in a row (reset once output flows): the restart waits longer each time. */
  private crashes = 0;
  private restartNotBefore = 0;
  private outputFragments = 0;
  private stderrTail = '';

  constructor(
    private readonly source: LiveStream,
    readonly output: LiveStream,
    private readonly label: string,
    private readonly deps: TranscoderDeps,
  ) {}

  start(): void {
    this.stopped = false;
    this.source.attach(this);
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    this.source.detach(this);
    this.kill();
    this.output.publishEnd();
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  // ---------------------------------------------------------------- LiveViewer (of the source)

  backlog(): number {
    return this.proc?.stdin?.writableLength ?? 0;
  }

  init(description: StreamDescription, init: Buffer): void {
    liveTrace('tc.init');
    this.sourceInit = init;
    this.sourceSize = { width: description.width, height: description.height };
    this.restartAtKeyframe = false;
    this.launch();
    this.writeTogether();
    this.write(init);
  }

  fragment(bytes: Buffer, keyframe: boolean): void {
    if (this.restartAtKeyframe) {
      if (!keyframe || !this.sourceInit || Date.now() < this.restartNotBefore) return;
      this.restartAtKeyframe = false;
      this.launch();
      this.writeTogether();
      this.write(this.sourceInit);
    }
    liveTrace(keyframe ? 'tc.frag.key' : 'tc.frag');
    this.write(bytes);
  }

  offline(): void {
    // The camera dropped: let ffmpeg finish what it has, then end the output run.
    this.sourceInit = null;
    const proc = this.proc;
    this.proc = null;
    if (proc) {
      proc.stdin?.end();
      setTimeout(() => proc.kill('SIGKILL'), 2000).unref();
    }
    this.output.publishEnd();
  }

  drop(reason: DropReason, message: string): void {
    // The source dropped us (ffmpeg too slow for too long): start over shortly.
    this.deps.log.warn(`${this.label}: transcode dropped (${reason}: ${message}); restarting`);
    this.kill();
    this.output.publishEnd();
    if (this.stopped) return;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (!this.stopped) this.source.attach(this);
    }, 1000);
  }

  // ---------------------------------------------------------------- the process

  private launch(): void {
    this.kill();
    const spawnFn = this.deps.spawn ?? spawnTranscoder;
    const proc = spawnFn(this.deps.ffmpegPath(), transcodeArgs(this.sourceSize));
    liveTrace('tc.spawned');
    this.proc = proc;
    this.stderrTail = '';
    this.outputFragments = 0;
    const sourceInit = this.sourceInit;
    const remembered = sourceInit ? this.deps.outputInit?.get(sourceInit) : null;
    this.announcedInit = remembered?.init ?? null;
    if (remembered) this.output.publishInit(remembered.init, remembered.info);
    const reader = new FlvToFmp4({
      onInit: (init, info) => {
        liveTrace('tc.out.init');
        if (sourceInit) this.deps.outputInit?.set(sourceInit, Buffer.from(init), info);
        if (this.announcedInit?.equals(init)) return; // already announced, byte for byte
        this.output.publishInit(init, info);
      },
      onFragment: (fragment) => {
        liveTrace('tc.out.frag');
        if (++this.outputFragments === 20) this.crashes = 0; // it works: forget earlier crashes
        this.output.publishFragment(fragment);
      },
    });
    proc.stdout?.on('data', (chunk: Buffer) => {
      liveTrace('tc.out.data');
      if (this.proc !== proc) return;
      try {
        reader.push(chunk);
      } catch (err) {
        this.deps.log.warn(`${this.label}: unreadable transcode output: ${(err as Error).message}`);
        this.crashed(proc);
      }
    });
    proc.stderr?.setEncoding('utf8');
    proc.stderr?.on('data', (text: string) => {
      this.stderrTail = (this.stderrTail + text).slice(-1000);
    });
    // EPIPE when ffmpeg exits while we write: handled by the exit below.
    proc.stdin?.on('error', () => undefined);
    proc.on('error', (err) => {
      this.deps.log.error(`${this.label}: cannot start the transcoder: ${err.message}`);
      this.crashed(proc);
    });
    proc.on('close', (code, signal) => {
      if (this.proc !== proc) return; // replaced or stopped on purpose
      this.deps.log.warn(`${this.label}: transcoder exited (${signal ?? code}) ${this.stderrTail.trim().split('\n').pop() ?? ''}`);
      this.crashed(proc);
    });
    this.deps.log.debug(`${this.label}: transcoder started (pid ${proc.pid})`);
  }

  private crashed(proc: ChildProcess): void {
    if (this.proc !== proc) return;
    this.proc = null;
    proc.kill('SIGKILL');
    this.output.publishEnd();
    this.crashes += 1;
    this.restartNotBefore = Date.now() + Math.min(30_000, 500 * 2 ** this.crashes);
    if (!this.stopped && this.sourceInit) this.restartAtKeyframe = true;
  }

  /**
   * The init and what follows it in this turn of the event loop (a joining
   * viewer's whole cached GOP) go to ffmpeg in one write: it wakes once and
   * finds the keyframe with the header, instead of probing the header alone.
   */
  private writeTogether(): void {
    const stdin = this.proc?.stdin;
    if (!stdin || stdin.destroyed) return;
    stdin.cork();
    process.nextTick(() => stdin.uncork());
  }

  private write(bytes: Buffer): void {
    writeStdin(this.proc, bytes);
  }

  private kill(): void {
    const proc = this.proc;
    this.proc = null;
    killFed(proc);
  }
}
