/**
 * What a recorder's run needs from its media pipeline, and what the pipeline
 * may tell the recorder. Two pipelines exist: SegmentPipeline (recorded
 * streams: ffmpeg writes segment files) and LivePipeline (live-only streams:
 * fMP4 on stdout).
 */
import type { ChildProcess } from 'node:child_process';
import type { OpenedSource } from '../ingest/opener.ts';
import type { InitInfo } from '../mp4/init.ts';
import type { Fragment } from '../mp4/stream-reader.ts';
import type { StreamKind } from '../storage/store.ts';

/** Where live fragments go (the live fan-out); recording never waits for it. */
export interface LiveSink {
  onInit(cameraId: number, kind: StreamKind, init: Buffer, info: InitInfo): void;
  onFragment(cameraId: number, kind: StreamKind, fragment: Fragment): void;
  onEnd(cameraId: number, kind: StreamKind): void;
  /**
   * Whether anyone watches this stream. Recorded streams are only read back
   * for live view while this says yes (absent = always).
   */
  wants?(cameraId: number, kind: StreamKind): boolean;
}

export interface RunContext {
  readonly cameraId: number;
  readonly kind: StreamKind;
  readonly streamId: number;
  /** Media is flowing (the stall detector's heartbeat; first call = connected). */
  alive(): void;
  /** Something is wrong with this run: kill ffmpeg with this reason. */
  fatal(reason: string): void;
  /** Video facts of the stream, once known. */
  streamInfo(info: InitInfo): void;
}

export interface MediaPipeline {
  /** Pipes beyond stdout/stderr that ffmpeg writes to (fd 3, ...). */
  readonly extraPipes: number;
  /** Gets ready before ffmpeg is spawned (the run's folder). */
  prepare(): Promise<void>;
  args(source: OpenedSource): string[];
  attach(proc: ChildProcess): void;
  /** Called every 100 ms while `busy()`, else every second. */
  tick(): void;
  /** True while the pipeline has live work (a viewer reading a recorded stream). */
  busy(): boolean;
  /** The process has exited: index or recover what it left. */
  finish(): Promise<void>;
}
