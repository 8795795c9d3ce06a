/**
 * ffmpeg's `-progress` output: blocks of key=value lines ending in
 * `progress=continue|end`. Only what the recorder needs: output time and
 * bytes written, which serve as its heartbeat and its clock anchor.
 */
export interface ProgressBlock {
  /** Output media time in microseconds (cumulative over segments), or null when ffmpeg has none yet. */
  outTimeUs: number | null;
  totalSize: number | null;
  end: boolean;
}

export class ProgressParser {
  private partial = '';
  private current: Record<string, string> = {};

  constructor(private readonly onBlock: (b: ProgressBlock) => void) {}

  push(chunk: string): void {
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop() ?? '';
    for (const raw of lines) {
      const line = raw.trim();
      const eq = line.indexOf('=');
      if (eq <= 0) continue;
      const key = line.slice(0, eq);
      const value = line.slice(eq + 1);
      if (key === 'progress') {
        const us = Number(this.current.out_time_us ?? this.current.out_time_ms);
        const size = Number(this.current.total_size);
        this.onBlock({
          outTimeUs: Number.isFinite(us) && us > 0 ? us : null,
          totalSize: Number.isFinite(size) && size >= 0 ? size : null,
          end: value === 'end',
        });
        this.current = {};
      } else {
        this.current[key] = value;
      }
    }
  }
}

/** One line of `-segment_list_type csv`: `name,start,end` (the name may be quoted). */
export function parseSegmentListLine(line: string): { name: string; start: number; end: number } | null {
  const m = /^(.*),(-?[\d.]+),(-?[\d.]+)\s*$/.exec(line.trim());
  if (!m) return null;
  let name = m[1];
  if (name.startsWith('"') && name.endsWith('"')) name = name.slice(1, -1).replace(/""/g, '"');
  const start = Number(m[2]);
  const end = Number(m[3]);
  if (!Number.isFinite(start) || !Number.isFinite(end) || end < start) return null;
  return { name: name.split(/[\\/]/).pop()!, start, end };
}
