/**
 * An engine in its own process, so a test can SIGKILL it mid-segment.
 * argv: <dataDir> <segmentSeconds> <rtspUrl>...  Prints one JSON line per event.
 */
import { Engine } from '../../main/engine/engine.ts';
import { createProcessRunner, type ParentDeath } from '../../main/engine/ingest/process-runner.ts';
import { FAST_RECORDER } from './engine.ts';

const [dataDir, segmentSeconds, ...urls] = process.argv.slice(2);
// KW_RECORDING_ONLY=1 (benchmarks): no background thumbnails or source hashing, to measure the recording path alone,
// with the product's recorder timings (the tests' fast stall detection makes ffmpeg report progress twice as often).
const recordingOnly = process.env.KW_RECORDING_ONLY === '1';
// KW_PARENT_DEATH=none|watchdog|pdeathsig: how ffmpeg is made to die with this process (the stray-recorder test
// simulates the platforms without Linux's parent-death signal).
const parentDeath = process.env.KW_PARENT_DEATH as ParentDeath | undefined;
const engine = new Engine({
  dataDir,
  ...(recordingOnly ? {} : { recorder: FAST_RECORDER }),
  logSink: { write() {} },
  ...(parentDeath ? { runner: createProcessRunner({ parentDeath }) } : {}),
  ...(recordingOnly ? { thumbnails: { background: false }, backgroundHashing: false } : {}),
});
engine.updateSettings({ segmentSeconds: Number(segmentSeconds), freeSpaceFloorBytes: 0 });
engine.on('segment', (s) => process.stdout.write(JSON.stringify({ event: 'segment', segment: s }) + '\n'));
engine.start();
// A graceful stop finishes and indexes every open segment (SIGKILL is the crash test's business).
process.once('SIGTERM', () => void engine.stop().then(() => process.exit(0)));
(async () => {
  if (engine.cameras.list().length === 0) {
    for (const [i, url] of urls.entries()) await engine.cameras.add({ name: `cam ${i}`, mainUrl: url });
  }
  process.stdout.write(JSON.stringify({ event: 'ready', pid: process.pid }) + '\n');
})();
