/**
 * Splits an FLV byte stream (ffmpeg's `-f flv` on a pipe) into H.264 video
 * tags (Adobe FLV specification v10.1, annex E). Pure: push chunks as they
 * arrive, in any sizes; each complete tag is reported at once.
 *
 * Why FLV: its muxer writes a frame the moment it is encoded, with its
 * timestamps and its length. ffmpeg's MP4 muxer cannot cut a fragment before
 * the next frame arrives (it needs the last sample's duration), which makes
 * every frame of a live-only stream one frame late (66 ms at 15 fps), and a
 * transcode's first picture wait for the camera's second frame.
 */

import { ByteQueue } from '../mp4/byte-queue.ts';

export class FlvError extends Error {
  override name = 'FlvError';
}

export interface FlvVideoFrame {
  /** Decode time, ms; 32-bit FLV timestamps are unwrapped, so it keeps growing. */
  dtsMs: number;
  /** Presentation minus decode time, ms (B-frames). */
  ctsMs: number;
  keyframe: boolean;
  /** The access unit's NAL units, each behind its 4-byte length (AVCC, as MP4 stores them). */
  data: Buffer;
}

export interface FlvReaderEvents {
  /** The AVCDecoderConfigurationRecord (SPS and PPS): an MP4 `avcC` box's payload. */
  onAvcConfig(record: Buffer): void;
  onVideoFrame(frame: FlvVideoFrame): void;
}

const HEADER = 9 + 4; // FLV header, then PreviousTagSize0
const TAG_HEADER = 11;
const TAG_VIDEO = 9;
const CODEC_AVC = 7;
const AVC_SEQUENCE_HEADER = 0;
const AVC_NALU = 1;
const FRAME_KEY = 1;

export class FlvReader {
  private readonly queue = new ByteQueue();
  private headerRead = false;
  /** Unwrapping of 32-bit timestamps: the last raw one, and what has been added. */
  private lastRaw: number | null = null;
  private epoch = 0;

  constructor(private readonly events: FlvReaderEvents) {}

  push(chunk: Buffer): void {
    this.queue.push(chunk);
    if (!this.headerRead) {
      if (this.queue.length < HEADER) return;
      const header = this.queue.take(HEADER);
      if (header.toString('latin1', 0, 3) !== 'FLV') throw new FlvError('not an FLV stream');
      const dataOffset = header.readUInt32BE(5);
      if (dataOffset !== 9) throw new FlvError(`FLV header of ${dataOffset} bytes is not supported`);
      this.headerRead = true;
    }
    while (this.queue.length >= TAG_HEADER) {
      const size = this.queue.peek(TAG_HEADER).readUIntBE(1, 3);
      if (this.queue.length < TAG_HEADER + size + 4) return;
      const tag = this.queue.take(TAG_HEADER + size + 4);
      if (tag.readUInt32BE(TAG_HEADER + size) !== TAG_HEADER + size) throw new FlvError('FLV tag size does not match its trailer');
      const type = tag[0] & 0x1f;
      if (type !== TAG_VIDEO) continue; // script data (metadata), audio: not needed
      const raw = (tag[7] * 0x1000000 + tag.readUIntBE(4, 3)) >>> 0; // TimestampExtended holds the upper 8 bits
      this.video(this.unwrap(raw), tag.subarray(TAG_HEADER, TAG_HEADER + size));
    }
  }

  private video(dtsMs: number, body: Buffer): void {
    if (body.length < 1) throw new FlvError('empty FLV video tag');
    const frameType = body[0] >> 4;
    const codec = body[0] & 0x0f;
    if (frameType === 5) return; // video info/command frame: no picture
    if (codec !== CODEC_AVC || body[0] & 0x80) throw new FlvError(`FLV video codec ${codec} is not H.264`);
    if (body.length < 5) throw new FlvError('FLV AVC tag is truncated');
    const packetType = body[1];
    const ctsMs = (body.readUIntBE(2, 3) << 8) >> 8; // signed 24-bit
    const payload = body.subarray(5);
    if (packetType === AVC_SEQUENCE_HEADER) this.events.onAvcConfig(payload);
    else if (packetType === AVC_NALU && payload.length) this.events.onVideoFrame({ dtsMs, ctsMs, keyframe: frameType === FRAME_KEY, data: payload });
    // 2: end of sequence
  }

  private unwrap(raw: number): number {
    if (this.lastRaw !== null && raw < this.lastRaw && this.lastRaw - raw > 0x80000000) this.epoch += 0x100000000;
    this.lastRaw = raw;
    return this.epoch + raw;
  }
}
