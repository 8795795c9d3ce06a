/**
 * A headless Keepwatch (engine + HTTP server) in its own process, so a test
 * can hit it with hostile input and tell a crash (the process exits) from a
 * refusal. argv: <dataDir> <segmentSeconds> <rtspUrl>...
 * Prints one JSON line per event: ready {port, token, cameras}, segment {segment}.
 */
import { startHeadless } from '../../main/headless.ts';
import { FAST_RECORDER } from './engine.ts';

const [dataDir, segmentSeconds, ...urls] = process.argv.slice(2);
const app = await startHeadless({
  dataDir,
  port: 0,
  staticDir: null,
  recorder: FAST_RECORDER,
  logSink: { write() {} },
  thumbnails: { background: false },
  backgroundHashing: false,
});
app.engine.updateSettings({ segmentSeconds: Number(segmentSeconds), freeSpaceFloorBytes: 0 });
app.engine.on('segment', (s) => process.stdout.write(JSON.stringify({ event: 'segment', segment: s }) + '\n'));
const cameras: number[] = [];
for (const [i, url] of urls.entries()) cameras.push((await app.engine.cameras.add({ name: `cam ${i}`, mainUrl: url })).id);
process.stdout.write(JSON.stringify({ event: 'ready', port: app.port, token: app.token, cameras }) + '\n');
process.once('SIGTERM', () => void app.stop().then(() => process.exit(0)));
