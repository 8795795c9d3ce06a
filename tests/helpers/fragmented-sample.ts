/**
 * A small fragmented MP4 like the recorder's (250 ms fragments, a fragment
 * cut at each keyframe), encoded by ffmpeg from a test pattern: 160×90 at
 * 20 fps, a keyframe every `gop` frames. Returns the file's bytes.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export function encodeFragmentedSample(file: string, o: { seconds: number; gop: number }): Buffer {
  execFileSync('ffmpeg', [
    '-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=s=160x90:r=20', '-t', String(o.seconds), '-c:v', 'libx264', '-preset', 'ultrafast', '-g', String(o.gop),
    '-f', 'mp4', '-movflags', '+frag_keyframe+empty_moov+default_base_moof', '-frag_duration', '250000', file,
  ]);
  return readFileSync(file);
}
