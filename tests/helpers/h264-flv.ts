// H.264 in FLV as a transcoding or express ffmpeg writes it to its pipe
// (FLV_OUTPUT), from a test pattern: for the FLV → fMP4 tests.
import { execFileSync } from 'node:child_process';
import { FLV_OUTPUT } from '../../main/engine/ingest/ffmpeg-args.ts';

export function encodeH264Flv(o: { size: string; frames: number; x264?: string[] }): Buffer {
  return execFileSync(
    'ffmpeg',
    ['-v', 'error', '-f', 'lavfi', '-i', `testsrc2=size=${o.size}:rate=15`, '-frames:v', String(o.frames), '-c:v', 'libx264', ...(o.x264 ?? ['-preset', 'ultrafast']), ...FLV_OUTPUT, 'pipe:1'],
    { maxBuffer: 1 << 28 },
  );
}
