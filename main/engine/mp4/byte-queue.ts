/**
 * Bytes from a pipe, queued as they arrive (chunks of any size) until a
 * whole box or tag can be taken: concatenated only when one spans chunks.
 * Shared by the fMP4 and FLV stream readers.
 */
export class ByteQueue {
  private chunks: Buffer[] = [];
  /** Bytes queued. */
  length = 0;

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** The first n queued bytes (n ≤ length), concatenating only the chunks needed. */
  peek(n: number): Buffer {
    if (this.chunks[0].length >= n) return this.chunks[0].subarray(0, n);
    const parts: Buffer[] = [];
    let have = 0;
    for (const c of this.chunks) {
      parts.push(c);
      have += c.length;
      if (have >= n) break;
    }
    return Buffer.concat(parts).subarray(0, n);
  }

  /** Removes and returns the first n bytes (n ≤ length; one copy at most). */
  take(n: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    const rest = all.subarray(n);
    this.chunks = rest.length ? [rest] : [];
    this.length = rest.length;
    return all.subarray(0, n);
  }
}
