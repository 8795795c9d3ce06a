/**
 * FLV (H.264) in, fragmented MP4 out: the init once the decoder
 * configuration arrives, then one fragment per frame the moment its tag is
 * complete. Pure; the same events as the MP4 stream reader, so a live feed
 * cannot tell which one its fragments came from.
 *
 * A frame's duration is not in FLV (nor known before the next frame): each
 * fragment takes the interval between its frame and the one before, and the
 * first of a run `firstFrameMs`. A live player only uses it for the end of
 * what is buffered; the next frame's decode time is always its own.
 */
import { avcConfigSps, spsPictureSize } from '../h264/sps.ts';
import { parseInit, type InitInfo } from '../mp4/init.ts';
import { parseMoof } from '../mp4/fragment.ts';
import type { StreamReaderEvents } from '../mp4/stream-reader.ts';
import { avcInitSegment, videoFragment } from '../mp4/writer.ts';
import { FlvError, FlvReader, type FlvVideoFrame } from './reader.ts';

/** FLV times are milliseconds. */
const TIMESCALE = 1000;

export class FlvToFmp4 {
  private readonly reader: FlvReader;
  private init: InitInfo | null = null;
  /** The decoder configuration the init was made from: the same one again is not a new run. */
  private config: Buffer | null = null;
  private sequence = 0;
  private lastDtsMs: number | null = null;
  private lastIntervalMs: number;

  constructor(
    private readonly events: StreamReaderEvents,
    private readonly firstFrameMs = 40,
  ) {
    this.lastIntervalMs = firstFrameMs;
    this.reader = new FlvReader({ onAvcConfig: (record) => this.onConfig(record), onVideoFrame: (frame) => this.onFrame(frame) });
  }

  /** Throws FlvError (or the H.264/MP4 errors) on a stream it cannot read. */
  push(chunk: Buffer): void {
    this.reader.push(chunk);
  }

  private onConfig(record: Buffer): void {
    if (this.config?.equals(record)) return;
    const config = Buffer.from(record);
    const { width, height } = spsPictureSize(avcConfigSps(config));
    const init = avcInitSegment({ avcConfig: config, width, height, timescale: TIMESCALE });
    this.init = parseInit(init);
    this.config = config;
    this.lastDtsMs = null;
    this.lastIntervalMs = this.firstFrameMs;
    this.events.onInit(init, this.init);
  }

  private onFrame(frame: FlvVideoFrame): void {
    if (!this.init) throw new FlvError('FLV video frame before its decoder configuration');
    if (this.lastDtsMs !== null && frame.dtsMs > this.lastDtsMs) this.lastIntervalMs = frame.dtsMs - this.lastDtsMs;
    this.lastDtsMs = frame.dtsMs;
    const { bytes, moofLength } = videoFragment({
      sequence: ++this.sequence,
      decodeTime: frame.dtsMs,
      duration: this.lastIntervalMs,
      compositionOffset: frame.ctsMs,
      keyframe: frame.keyframe,
      data: frame.data,
    });
    this.events.onFragment({ bytes, moofLength, info: parseMoof(bytes.subarray(0, moofLength), this.init) });
  }
}
