/**
 * Start-up reconciliation of the recordings folder with the index, and
 * recovery of segment files that were being written when a process died (or
 * that ffmpeg could not finish: a kill after a stall).
 *
 * Rules (docs/storage.md):
 *  - a file on disk without a row is cut at its last complete fragment and
 *    indexed if anything playable is left, else discarded (it held no frame);
 *  - a row whose file is gone is removed;
 *  - a file is never indexed twice (segments.file is UNIQUE);
 *  - runs the engine never ended are closed — synchronously, when reconcile()
 *    is called, so no recorder started afterwards can have its run closed.
 * The file work is asynchronous: the event loop keeps serving meanwhile.
 */
import { summarizeFragmentedMp4 } from '../mp4/file-summary.ts';
import { withDurations, friendlyCodec } from '../mp4/init.ts';
import { parseSegmentFileName, type Store, type SegmentRow } from './store.ts';
import type { Logger } from '../log.ts';

export interface ReconcileReport {
  filesOnDisk: number;
  recovered: number;
  discarded: number;
  missingRowsRemoved: number;
  runsClosed: number;
  ms: number;
}

export async function reconcile(store: Store, log: Logger): Promise<ReconcileReport> {
  const t0 = performance.now();
  // Before the first await: nothing else runs in between.
  const runsClosed = store.closeOpenRuns('engine stopped unexpectedly');
  const indexed = store.indexedFiles();
  const queued = store.queuedGarbage();
  const onDisk = store.listSegmentFilesOnDisk().filter((f) => !queued.has(f));
  await store.collectGarbage();
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
    const result = await recoverSegmentFile(store, file, log);
    if (result) recovered++;
    else discarded++;
  }
  await store.pruneEmptyFolders();
  const report = { filesOnDisk: onDisk.length, recovered, discarded, missingRowsRemoved: missing.length, runsClosed, ms: Math.round(performance.now() - t0) };
  if (recovered || discarded || missing.length) log.info(`reconciled recordings: ${JSON.stringify(report)}`);
  return report;
}

/**
 * Indexes one unindexed segment file, cutting a torn tail first. Returns the
 * new row, or null when the file held nothing playable (it is then discarded).
 */
export async function recoverSegmentFile(store: Store, rel: string, log: Logger): Promise<SegmentRow | null> {
  const name = parseSegmentFileName(rel);
  const owner = name ? store.runStream(name.runId) : null;
  if (!name || !owner || owner.cameraId !== name.cameraId) {
    // No run (its camera was removed) or a name that contradicts its run: never
    // attach footage to a camera it does not belong to.
    log.warn(`recovery: ${rel} belongs to no known run; discarded`);
    store.discardFile(rel);
    return null;
  }
  // Size and modification time before anything here writes to the file (the
  // header patch below would move mtime to now).
  const before = await store.files.identity(rel);
  if (!before) return null;
  let bytes: Buffer;
  let summary;
  try {
    bytes = await store.files.read(rel, 0, before.size);
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
  // Cut the torn tail and patch the real durations into the header (so players
  // show the right length), fsync file and folder: then the row.
  const { size, mtimeMs: mtime } = before;
  const header = bytes.subarray(0, summary.initLength);
  await store.files.seal(rel, withDurations(header, summary.init, summary.durationByTrack), summary.completeLength < size ? summary.completeLength : null);

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
