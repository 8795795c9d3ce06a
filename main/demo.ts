/**
 * `npm run demo [-- --data DIR --port N]`: Keepwatch with four built-in
 * test-pattern cameras that need nothing but ffmpeg, so a new user sees it
 * record within a minute. The cameras are created by the engine itself (a
 * source no API client can select) and live in their own data folder.
 */
import { resolve } from 'node:path';
import { parseFlags } from './cli-args.ts';
import { startHeadless } from './headless.ts';
import { locateBinary } from './engine/ingest/ffmpeg-locator.ts';
import { startDemoOnvifDevices, type DemoOnvif } from './demo-onvif/demo-devices.ts';

const DEMO_CAMERAS = ['Front door', 'Driveway', 'Back garden', 'Garage'];

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), { data: 'string', port: 'number', ffmpeg: 'string' });
  const dataDir = resolve(String(flags.data ?? 'demo-data'));
  // Three simulated ONVIF cameras on loopback for "Find cameras" (main/demo-onvif). The demo
  // engine probes only loopback, by unicast to their discovery ports.
  const onvif: DemoOnvif | null = await startDemoOnvifDevices({
    ffmpegPath: locateBinary('ffmpeg', { configured: flags.ffmpeg ? String(flags.ffmpeg) : null }),
    log: (line) => process.stderr.write(`${line}\n`),
  }).catch((err: Error) => {
    process.stderr.write(`keepwatch demo: no simulated ONVIF cameras (${err.message})\n`);
    return null;
  });
  const app = await startHeadless({
    dataDir,
    port: flags.port === undefined ? 8750 : Number(flags.port),
    ffmpegPath: flags.ffmpeg ? String(flags.ffmpeg) : null,
    onvif: { loopbackOnly: true, suggestedAddresses: onvif?.addresses ?? [] },
  }).catch(async (err) => {
    await onvif?.stop();
    throw err;
  });
  const existing = app.engine.cameras.list();
  if (existing.length === 0) {
    // Short segments and a modest budget, so the demo shows rotation quickly
    // without filling the disk.
    app.engine.updateSettings({ segmentSeconds: 10, diskBudgetBytes: 2 * 1024 ** 3, freeSpaceFloorBytes: 1024 ** 3 });
    for (const [i, name] of DEMO_CAMERAS.entries()) await app.engine.cameras.addTestPattern(name, i + 1);
  }
  process.stdout.write(`\nKeepwatch demo: ${DEMO_CAMERAS.length} simulated cameras recording into ${dataDir}\nOpen ${app.url}\n\n`);
  if (onvif) {
    process.stdout.write(`${onvif.devices.length} simulated ONVIF cameras wait on this machine: Cameras → Add camera → Scan (login admin / admin123).\n\n`);
  }
  const shutdown = async () => {
    await app.stop();
    await onvif?.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());
}

main().catch((err) => {
  process.stderr.write(`keepwatch demo: ${(err as Error).message}\n`);
  process.exit(1);
});
