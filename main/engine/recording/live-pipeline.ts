/**
 * A live-only stream (the sub stream, an express connection): ffmpeg writes
 * fragmented MP4 (or FLV, made into fragments here) to stdout, every fragment
 * goes to the live fan-out. Nothing is recorded.
 */
import type { ChildProcess } from 'node:child_process';
import { FlvToFmp4 } from '../flv/to-fmp4.ts';
import { Mp4StreamReader, type StreamReaderEvents } from '../mp4/stream-reader.ts';
import { liveArgs } from '../ingest/ffmpeg-args.ts';
import type { OpenedSource } from '../ingest/opener.ts';
import type { LiveSink, MediaPipeline, RunContext } from './pipeline.ts';

export class LivePipeline implements MediaPipeline {
  readonly extraPipes = 0;
  private started = false;

  constructor(
    private readonly ctx: RunContext,
    private readonly fragmentMs: number,
    private readonly live: LiveSink | undefined,
    private readonly container: 'mp4' | 'flv' = 'mp4',
  ) {}

  async prepare(): Promise<void> {}

  args(source: OpenedSource): string[] {
    return liveArgs(source, { fragmentMs: this.fragmentMs, container: this.container });
  }

  attach(proc: ChildProcess): void {
    const { ctx, live } = this;
    const events: StreamReaderEvents = {
      onInit: (init, info) => {
        if (!info.video) return ctx.fatal('the stream has no video track');
        ctx.streamInfo(info);
        this.started = true;
        live?.onInit(ctx.cameraId, ctx.kind, init, info);
      },
      onFragment: (fragment) => {
        ctx.alive();
        live?.onFragment(ctx.cameraId, ctx.kind, fragment);
      },
    };
    const reader = this.container === 'flv' ? new FlvToFmp4(events) : new Mp4StreamReader(events);
    // Always drained: if nobody reads ffmpeg's stdout, ffmpeg stops.
    proc.stdout?.on('data', (chunk: Buffer) => {
      try {
        reader.push(chunk);
      } catch (err) {
        ctx.fatal(`unreadable stream from ffmpeg: ${(err as Error).message}`);
      }
    });
  }

  tick(): void {}

  busy(): boolean {
    return false; // stdout is read as it arrives; nothing to poll
  }

  async finish(): Promise<void> {
    if (this.started) this.live?.onEnd(this.ctx.cameraId, this.ctx.kind);
  }
}
