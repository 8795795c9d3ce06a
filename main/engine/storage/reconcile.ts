/**
 * Start-up reconciliation of the recordings folder with the index, and
 * recovery of segment files that were being written when a process died.
 *
 * Rules (docs/storage.md):
 *  - a file on disk without a row is cut at its last complete fragment and
 *    indexed if anything playable is left, else discarded (it held no frame);
 *  - a row whose file is gone is removed;
 *  - a file is never indexed twice (segments.file is UNIQUE);
 *  - runs the engine never ended are closed.
 */
import { readFileSync, statSync, truncateSync } from 'node:fs';
import { summarizeFragmentedMp4 } from '../mp4/file-summary.ts';
import { withDurations, friendlyCodec } from '../mp4/init.ts';
import { parseSegmentFileName, type Store, type SegmentRow } from './store.ts';
import { SegmentFile } from './segment-file.ts';
import type { Logger } from '../log.ts';

export interface ReconcileReport {
  filesOnDisk: number;
  recovered: number;
  discarded: number;
  missingRowsRemoved: number;
  runsClosed: number;
  ms: number;
}

export function reconcile(store: Store, log: Logger): ReconcileReport {
  const t0 = performance.now();
  store.collectGarbage();
  const indexed = store.indexedFiles();
  const onDisk = store.listSegmentFilesOnDisk();
  const diskSet = new Set(onDisk);

  const missing: number[] = [];
  for (const [file, id] of indexed) if (!diskSet.has(file)) missing.push(id);
  if (missing.length) {
    log.warn(`index: ${missing.length} segment row(s) pointed at missing files; removed`);
    store.forgetSegments(missing);
  }

  let recovered = 0;
  let discarded = 0;
  // Oldest first, so a recovered segment can continue from its predecessor's end.
  const unindexed = onDisk.filter((f) => !indexed.has(f)).sort();
  for (const file of unindexed) {
    const result = recoverSegmentFile(store, file, log);
    if (result) recovered++;
    else discarded++;
  }

  const runsClosed = store.db
    .prepare("UPDATE runs SET ended_at = COALESCE((SELECT MAX(end_ms) FROM segments s WHERE s.run_id = runs.id), started_at), end_reason = 'engine stopped unexpectedly' WHERE ended_at IS NULL")
    .run().changes;
  store.pruneEmptyFolders();
  const report = { filesOnDisk: onDisk.length, recovered, discarded, missingRowsRemoved: missing.length, runsClosed, ms: Math.round(performance.now() - t0) };
  if (recovered || discarded || missing.length) log.info(`reconciled recordings: ${JSON.stringify(report)}`);
  return report;
}

/**
 * Indexes one unindexed segment file, cutting a torn tail first. Returns the
 * new row, or null when the file held nothing playable (it is then discarded).
 */
export function recoverSegmentFile(store: Store, rel: string, log: Logger): SegmentRow | null {
  const name = parseSegmentFileName(rel);
  const owner = name ? store.runStream(name.runId) : null;
  if (!name || !owner || owner.cameraId !== name.cameraId) {
    // No run (its camera was removed) or a name that contradicts its run: never
    // attach footage to a camera it does not belong to.
    log.warn(`recovery: ${rel} belongs to no known run; discarded`);
    store.discardFile(rel);
    return null;
  }
  const abs = store.absolutePath(rel);
  // Size and modification time before anything here writes to the file (the
  // header patch below would move mtime to now).
  const { size, mtimeMs: mtime } = statSync(abs);
  let bytes: Buffer;
  let summary;
  try {
    bytes = readFileSync(abs);
    summary = summarizeFragmentedMp4(bytes);
  } catch (err) {
    log.warn(`recovery: ${rel} is not playable (${(err as Error).message}); discarded`);
    store.discardFile(rel);
    return null;
  }
  if (summary.fragments === 0 || summary.durationMs <= 0 || !summary.init.video) {
    log.info(`recovery: ${rel} held no complete frame; discarded`);
    store.discardFile(rel);
    return null;
  }
  if (summary.completeLength < size) truncateSync(abs, summary.completeLength);
  // Patch the real durations into the header so players show the right length.
  const header = bytes.subarray(0, summary.initLength);
  const patched = withDurations(header, summary.init, summary.durationByTrack);
  const file = SegmentFile.reopenForPatch(store, rel);
  file.patch(0, patched);
  file.finish();

  const previous = store.segmentByRunSeq(name.runId, name.seq - 1);
  // Contiguous with its predecessor when there is one; else the last write was the end.
  let start = previous ? previous.end : Math.round(mtime) - summary.durationMs;
  const lastEnd = store.lastEndOfStream(owner.streamId);
  if (!previous && lastEnd !== null && start < lastEnd) start = lastEnd;
  const video = summary.init.video;
  const row = {
    cameraId: owner.cameraId,
    streamId: owner.streamId,
    runId: name.runId,
    seq: name.seq,
    start,
    end: start + summary.durationMs,
    bytes: summary.completeLength,
    codec: friendlyCodec(video.fourcc),
    width: video.width,
    height: video.height,
    file: rel,
    recovered: true,
  };
  const id = store.insertSegment(row);
  log.info(`recovery: indexed ${rel} (${(summary.durationMs / 1000).toFixed(1)} s, cut ${size - summary.completeLength} torn bytes)`);
  return { id, ...row };
}
