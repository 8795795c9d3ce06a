/**
 * Reads what ffmpeg says about its input on stderr (`Stream #0:1: Audio: pcm_mulaw, ...`).
 * Only the audio codec is needed: it decides between copying and transcoding
 * audio on the next connection. Video facts come from the MP4 init segment.
 */
export function parseInputAudioCodec(line: string): string | null {
  const m = /^\s*Stream #0:\d+(?:\[[^\]]*\])?(?:\([^)]*\))?: Audio: ([a-z0-9_]+)/.exec(line);
  return m ? m[1] : null;
}

/** Keeps the last few lines of stderr for error messages. */
export class TailBuffer {
  private lines: string[] = [];
  private partial = '';
  constructor(private readonly max = 20) {}

  push(chunk: string, onLine?: (line: string) => void): void {
    const parts = (this.partial + chunk).split(/\r?\n/);
    this.partial = parts.pop() ?? '';
    for (const line of parts) {
      if (!line.trim()) continue;
      onLine?.(line);
      this.lines.push(line);
      if (this.lines.length > this.max) this.lines.shift();
    }
  }

  /** The most telling line: the last one that looks like an error, else the last line. */
  lastError(): string | null {
    const all = this.partial.trim() ? [...this.lines, this.partial] : this.lines;
    const errorish = [...all].reverse().find((l) => /error|fail|refused|timed out|not found|unauthori|denied|invalid|unable|no route/i.test(l));
    return errorish ?? all.at(-1) ?? null;
  }
}
