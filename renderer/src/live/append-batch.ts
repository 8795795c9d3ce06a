/**
 * Joins queued media into one SourceBuffer append. Each append costs a round
 * trip (appendBuffer → updateend) of several milliseconds, more on a busy
 * machine; a viewer joining gets a whole GOP in one burst (up to a second of
 * fragments, one per frame on a transcode), and a tab that was briefly busy
 * finds several fragments waiting. Fragmented MP4 is a plain concatenation
 * of boxes, so consecutive appends may be handed over as one. Pure, so it is
 * unit-tested without a browser.
 */

/** Takes the leading run of `chunks` (at least one, at most `maxBytes` unless the first alone is larger) and joins it. */
export function takeBatch(chunks: ArrayBuffer[], maxBytes: number): { data: ArrayBuffer; taken: number } {
  if (!chunks.length) throw new Error('nothing to take');
  let taken = 1;
  let bytes = chunks[0].byteLength;
  while (taken < chunks.length && bytes + chunks[taken].byteLength <= maxBytes) bytes += chunks[taken++].byteLength;
  if (taken === 1) return { data: chunks[0], taken };
  const out = new Uint8Array(bytes);
  let at = 0;
  for (let i = 0; i < taken; i++) {
    out.set(new Uint8Array(chunks[i]), at);
    at += chunks[i].byteLength;
  }
  return { data: out.buffer, taken };
}
