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

/**
 * Reads the blocks as they arrive, once a second per camera. Only the three
 * keys the recorder uses are looked at, in place: no array of lines, no
 * record of every key (ffmpeg sends a dozen per block).
 */
export class ProgressParser {
  private partial = '';
  private outTimeUs: number | null = null;
  private outTimeMs: number | null = null;
  private totalSize: number | null = null;

  constructor(private readonly onBlock: (b: ProgressBlock) => void) {}

  push(chunk: string): void {
    const text = this.partial ? this.partial + chunk : chunk;
    let from = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; from = nl + 1, nl = text.indexOf('\n', from)) this.line(text, from, nl);
    this.partial = from < text.length ? text.slice(from) : '';
  }

  /** One `key=value` line, text[from, to). */
  private line(text: string, from: number, to: number): void {
    while (from < to && text.charCodeAt(from) <= 32) from++;
    if (text.startsWith('out_time_us=', from)) this.outTimeUs = numberIn(text, from + 12, to);
    else if (text.startsWith('out_time_ms=', from)) this.outTimeMs = numberIn(text, from + 12, to);
    else if (text.startsWith('total_size=', from)) this.totalSize = numberIn(text, from + 11, to);
    else if (text.startsWith('progress=', from)) {
      const us = this.outTimeUs ?? this.outTimeMs;
      const size = this.totalSize;
      this.onBlock({
        outTimeUs: us !== null && us > 0 ? us : null,
        totalSize: size !== null && size >= 0 ? size : null,
        end: text.startsWith('end', from + 9),
      });
      this.outTimeUs = this.outTimeMs = this.totalSize = null;
    }
  }
}

/** The decimal number in text[from, to) (trailing space or CR allowed), or null ("N/A"). */
function numberIn(text: string, from: number, to: number): number | null {
  let value = 0;
  let digits = 0;
  let sign = 1;
  if (text.charCodeAt(from) === 45 /* - */) {
    sign = -1;
    from++;
  }
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      value = value * 10 + (c - 48);
      digits++;
    } else if (c <= 32) break;
    else return null;
  }
  return digits ? sign * value : null;
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
