import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** ffprobe's view of a file: container duration (s) and the first video stream. */
export async function probe(file: string): Promise<{ duration: number; codec: string; width: number; height: number; frames: number }> {
  const { stdout } = await run('ffprobe', [
    '-v', 'error', '-count_packets', '-select_streams', 'v:0',
    '-show_entries', 'format=duration:stream=codec_name,width,height,nb_read_packets',
    '-of', 'json', file,
  ]);
  const j = JSON.parse(stdout) as { format: { duration: string }; streams: { codec_name: string; width: number; height: number; nb_read_packets: string }[] };
  const s = j.streams[0];
  return { duration: Number(j.format.duration), codec: s.codec_name, width: s.width, height: s.height, frames: Number(s.nb_read_packets) };
}

/** Decodes the whole file; resolves true when ffmpeg reports no error. */
export async function decodesCleanly(file: string): Promise<boolean> {
  try {
    const { stderr } = await run('ffmpeg', ['-v', 'error', '-i', file, '-f', 'null', '-']);
    return stderr.trim() === '';
  } catch {
    return false;
  }
}

/** The codec of the first audio stream, or null when there is none. */
export async function audioCodecOf(file: string): Promise<string | null> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-select_streams', 'a:0', '-show_entries', 'stream=codec_name', '-of', 'csv=p=0', file]);
  return stdout.trim() || null;
}
