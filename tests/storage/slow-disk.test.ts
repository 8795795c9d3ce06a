/**
 * The event loop never waits on the disk. The engine runs on an injected
 * slow disk — every fsync takes 2 s, every read 200 ms, as a busy SMR drive
 * or a NAS mount might — while it records a camera and a viewer watches it
 * live. Meanwhile the HTTP API and the live WebSocket are probed every 20 ms:
 * both must answer within 50 ms (p99), recording must go on (segments keep
 * being sealed and indexed), and the slow disk must really have been used.
 *
 * The probe itself is checked too: the same measurement over a loop that is
 * blocked for 300 ms every second does exceed 50 ms, so a blocking disk
 * operation in the engine would fail this test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import WebSocket from 'ws';
import { startSimCameras, type SimCameraSet } from '../sim/cameras.ts';
import { startHeadless, type Headless } from '../../main/headless.ts';
import { nodeDisk, type Disk } from '../../main/engine/storage/disk.ts';
import { MemorySink } from '../../main/engine/log.ts';
import { FAST_RECORDER } from '../helpers/engine.ts';
import { tempDir } from '../helpers/tmp.ts';
import { waitFor } from '../helpers/wait.ts';

const SYNC_MS = 2000;
const READ_MS = 200;
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The real disk with every fsync and read slowed down (asynchronously: the slowness is the disk's, not the CPU's). */
function slowDisk(inner: Disk, counts: { syncs: number; reads: number }): Disk {
  return {
    ...inner,
    sync: async (path) => {
      counts.syncs++;
      await delay(SYNC_MS);
      return inner.sync(path);
    },
    read: async (path, position, length) => {
      counts.reads++;
      await delay(READ_MS);
      return inner.read(path, position, length);
    },
    openReader: async (path) => {
      const reader = await inner.openReader(path);
      return {
        read: async (buffer, offset, length, position) => {
          counts.reads++;
          await delay(READ_MS);
          return reader.read(buffer, offset, length, position);
        },
        close: () => reader.close(),
      };
    },
  };
}

function p99(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))];
}

// The client runs on its own thread, as a real browser would: its work never
// shares the engine's event loop, so what it measures is the engine's answer.
const PROBE_WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const WebSocket = require(workerData.wsModule);
const { url, wsUrl, headers, forMs, everyMs } = workerData;
(async () => {
  const ws = new WebSocket(wsUrl, { headers });
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  const http = [];
  const pongs = [];
  const end = performance.now() + forMs;
  while (performance.now() < end) {
    const t0 = performance.now();
    const res = await fetch(url, { headers });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error('HTTP ' + res.status);
    http.push(performance.now() - t0);
    const t1 = performance.now();
    await new Promise((resolve) => { ws.once('pong', resolve); ws.ping(); });
    pongs.push(performance.now() - t1);
    await new Promise((r) => setTimeout(r, everyMs));
  }
  ws.close();
  parentPort.postMessage({ http, ws: pongs });
})().catch((err) => parentPort.postMessage({ error: String(err && err.stack || err) }));
`;

/** Probes an HTTP route and the live WebSocket (ping → pong) every `everyMs` for `forMs`, from a worker thread. */
function probe(path: string, wsPath: string, forMs: number, everyMs = 20): Promise<{ http: number[]; ws: number[] }> {
  const workerData = {
    wsModule: createRequire(import.meta.url).resolve('ws'),
    url: `http://127.0.0.1:${app.port}${path}`,
    wsUrl: `ws://127.0.0.1:${app.port}${wsPath}`,
    headers: { Authorization: `Bearer ${app.token}` },
    forMs,
    everyMs,
  };
  return new Promise((resolve, reject) => {
    const worker = new Worker(PROBE_WORKER, { eval: true, workerData });
    worker.once('message', (m: { http: number[]; ws: number[]; error?: string }) => {
      void worker.terminate();
      if (m.error) reject(new Error(m.error));
      else resolve(m);
    });
    worker.once('error', reject);
  });
}

let sims: SimCameraSet;
let app: Headless;
const tmp = tempDir('kw-slow-disk-');
const counts = { syncs: 0, reads: 0 };

beforeAll(async () => {
  sims = await startSimCameras([{ color: 2 }]);
  app = await startHeadless({ dataDir: tmp.dir, port: 0, recorder: FAST_RECORDER, staticDir: null, logSink: new MemorySink(), disk: slowDisk(nodeDisk(), counts), thumbnails: { background: false } });
  app.engine.updateSettings({ segmentSeconds: 5, freeSpaceFloorBytes: 0 });
}, 60_000);

afterAll(async () => {
  await app?.stop();
  await sims?.stopAll();
  tmp.cleanup();
});

describe('a slow disk', () => {
  it('never holds up the API or a live viewer, and recording goes on', async () => {
    const auth = { Authorization: `Bearer ${app.token}` };
    const camera = await app.engine.cameras.add({ name: 'slow disk', mainUrl: sims.cameras[0].mainUrl });
    const indexed = () => app.engine.store.querySegments(camera.id, 0, Date.now() + 60_000).length;
    await waitFor(() => indexed() >= 1, { timeoutMs: 40_000, what: 'the first segment sealed through the slow disk' });

    const ws = new WebSocket(`ws://127.0.0.1:${app.port}/api/live/${camera.id}/main`, { headers: auth });
    let media = 0;
    ws.on('message', (_data, isBinary) => {
      if (isBinary) media++;
    });
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    await waitFor(() => media > 0, { timeoutMs: 15_000, what: 'live video through 200 ms reads' });

    const before = { segments: indexed(), syncs: counts.syncs, reads: counts.reads, media };
    const measured = await probe('/api/cameras', `/api/live/${camera.id}/main`, 12_000);
    ws.close();
    const after = { segments: indexed(), syncs: counts.syncs, reads: counts.reads, media };
    console.log(
      `slow disk: ${measured.http.length} probes; API p99 ${p99(measured.http).toFixed(1)} ms (max ${Math.max(...measured.http).toFixed(1)}), ` +
        `WebSocket p99 ${p99(measured.ws).toFixed(1)} ms (max ${Math.max(...measured.ws).toFixed(1)}); during it ${after.segments - before.segments} segment(s) sealed, ` +
        `${after.syncs - before.syncs} slow fsyncs, ${after.reads - before.reads} slow reads, ${after.media - before.media} live messages`,
    );

    // The slow disk was really in the path, and recording and live view went on through it.
    expect(after.syncs - before.syncs).toBeGreaterThanOrEqual(2);
    expect(after.reads - before.reads).toBeGreaterThan(10);
    expect(after.segments - before.segments).toBeGreaterThanOrEqual(1);
    expect(after.media - before.media).toBeGreaterThan(10);
    expect(app.engine.cameras.get(camera.id).status.state).toBe('recording');
    // And nobody waited for it.
    expect(measured.http.length).toBeGreaterThan(100);
    expect(p99(measured.http)).toBeLessThan(50);
    expect(p99(measured.ws)).toBeLessThan(50);
  }, 120_000);

  it('the probe does see a loop that blocks (so the test above can fail)', async () => {
    const camera = app.engine.cameras.list()[0];
    // What a synchronous fsync on that disk would do: hold the thread.
    const blocker = setInterval(() => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300), 1000);
    try {
      const measured = await probe('/api/cameras', `/api/live/${camera.id}/main`, 4000);
      expect(Math.max(...measured.http, ...measured.ws)).toBeGreaterThan(50);
    } finally {
      clearInterval(blocker);
    }
  }, 30_000);
});
