// The live WebSocket route over the wire, against the headless server and two
// simulated cameras: refusals, the message sequence, isolation checked by
// decoding what each viewer received, and the close code of a removed camera.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startHeadless, type Headless } from '../../main/headless.ts';
import { parseInit } from '../../main/engine/mp4/init.ts';
import { parseMoof, videoRun } from '../../main/engine/mp4/fragment.ts';
import { LIVE_CLOSE, type LiveMessage } from '../../preload/api.ts';
import { startSimCameras, type SimCameraSet } from '../sim/cameras.ts';
import { fileSignature } from '../sim/signature.ts';
import { tempDir } from '../helpers/tmp.ts';
import { FAST_RECORDER } from '../helpers/engine.ts';
import { makeClips } from './browser-fixture.ts';

let app: Headless;
let sims: SimCameraSet;
let ids: number[];
const tmp = tempDir('kw-ws-route-');
const COLOURS = [2, 6]; // blue, orange

beforeAll(async () => {
  const clips = join(tmp.dir, 'clips');
  mkdirSync(clips);
  sims = await startSimCameras(await makeClips(clips, COLOURS.map((color) => ({ color }))));
  app = await startHeadless({ dataDir: join(tmp.dir, 'data'), port: 0, staticDir: null, recorder: FAST_RECORDER, logSink: { write() {} } });
  ids = [];
  for (const [i, cam] of sims.cameras.entries()) ids.push((await app.engine.cameras.add({ name: `cam ${i}`, mainUrl: cam.mainUrl, subUrl: cam.subUrl })).id);
  // Both streams of both cameras delivering (the codec is known once a stream's init segment arrived).
  const deadline = Date.now() + 30_000;
  while (!ids.every((id) => app.engine.store.listStreams(id).every((s) => s.codec !== null))) {
    if (Date.now() > deadline) throw new Error('camera streams did not start');
    await new Promise((r) => setTimeout(r, 200));
  }
}, 60_000);

afterAll(async () => {
  await app?.stop();
  await sims?.stopAll();
  tmp.cleanup();
}, 30_000);

/** Everything each socket received, recorded from the moment it was created (nothing is missed while others open). */
const inbox = new WeakMap<WebSocket, { data: Buffer; isBinary: boolean }[]>();

/** Opens the route; resolves with the socket, or with the HTTP status when the upgrade is refused. */
function open(path: string, headers: Record<string, string> = { Authorization: `Bearer ${app.token}` }): Promise<{ ws: WebSocket } | { status: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${app.port}${path}`, { headers });
    const messages: { data: Buffer; isBinary: boolean }[] = [];
    inbox.set(ws, messages);
    ws.on('message', (data: Buffer, isBinary: boolean) => messages.push({ data: Buffer.from(data), isBinary }));
    ws.once('open', () => resolve({ ws }));
    ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0 }));
    ws.once('error', reject);
  });
}

interface Received {
  texts: LiveMessage[];
  /** Every message in order: 'text' or the box type a binary one starts with. */
  order: string[];
  media: Buffer[];
}

/** What a viewer received from its first message until `ms` from now, from the latest init on. */
async function collect(ws: WebSocket, ms: number): Promise<Received> {
  await new Promise((r) => setTimeout(r, ms));
  const got: Received = { texts: [], order: [], media: [] };
  for (const { data, isBinary } of inbox.get(ws) ?? []) {
    if (!isBinary) {
      const msg = JSON.parse(data.toString()) as LiveMessage;
      got.texts.push(msg);
      got.order.push(`text:${msg.type}`);
      if (msg.type === 'init') got.media = [];
      continue;
    }
    got.order.push(data.toString('latin1', 4, 8));
    got.media.push(data);
  }
  return got;
}

describe('live WebSocket route', () => {
  it('refuses requests without the token, from another origin, or for what does not exist', async () => {
    expect(await open(`/api/live/${ids[0]}/main`, {})).toEqual({ status: 401 });
    expect(await open(`/api/live/${ids[0]}/main`, { Authorization: `Bearer ${app.token}`, Origin: 'http://evil.example' })).toEqual({ status: 403 });
    expect(await open(`/api/live/9999/main`)).toEqual({ status: 404 });
    expect(await open(`/api/live/${ids[0]}/third`)).toEqual({ status: 400 });
    expect(await open(`/api/live/0/main`)).toEqual({ status: 400 });
  });

  it('sends a description, the init segment, then fragments starting at a keyframe, each viewer only its own camera stream', async () => {
    // Four viewers at once: both cameras, both streams.
    const targets = ids.flatMap((id, i) => (['main', 'sub'] as const).map((kind) => ({ id, i, kind })));
    const sockets = await Promise.all(targets.map((t) => open(`/api/live/${t.id}/${t.kind}`)));
    const received = await Promise.all(sockets.map((s) => collect((s as { ws: WebSocket }).ws, 3000)));
    for (const s of sockets) (s as { ws: WebSocket }).ws.close();

    for (const [n, t] of targets.entries()) {
      const got = received[n];
      const init = got.texts.filter((m) => m.type === 'init').at(-1);
      expect(init, `camera ${t.id} ${t.kind}`).toMatchObject({ type: 'init', codec: 'h264', stream: t.kind, transcoded: false, width: t.kind === 'main' ? 640 : 320 });
      // Text description, then the init segment, then media fragments.
      const at = got.order.lastIndexOf('text:init');
      expect(got.order[at + 1]).toBe('ftyp');
      expect(got.order.slice(at + 2).every((o) => o === 'moof')).toBe(true);
      expect(got.media.length).toBeGreaterThan(4);
      const info = parseInit(got.media[0]);
      const first = got.media[1];
      const moofSize = first.readUInt32BE(0);
      expect(videoRun(parseMoof(first.subarray(0, moofSize), info), info)?.startsWithSync).toBe(true);
      // Decode what this viewer got: it must be its own camera's colour.
      const file = join(tmp.dir, `got-${t.id}-${t.kind}.mp4`);
      writeFileSync(file, Buffer.concat(got.media));
      const sig = await fileSignature(file, { fps: 2 });
      expect({ camera: t.id, kind: t.kind, consistent: sig.consistent, colour: sig.indices[0] }).toEqual({ camera: t.id, kind: t.kind, consistent: true, colour: COLOURS[t.i] });
    }
  }, 30_000);

  it('closes viewers with 4404 when their camera is removed', async () => {
    const s = await open(`/api/live/${ids[1]}/sub`);
    const ws = (s as { ws: WebSocket }).ws;
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    await new Promise((r) => setTimeout(r, 500));
    await app.engine.cameras.remove(ids[1]);
    expect(await closed).toBe(LIVE_CLOSE.gone);
    expect(await open(`/api/live/${ids[1]}/sub`)).toEqual({ status: 404 });
  }, 20_000);
});
