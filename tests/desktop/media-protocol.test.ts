/**
 * (4) keepwatch-media://recording/<id>: the media path guard (traversal,
 * symlink escape, unknown id) and Range edge cases, on real files in a temp
 * folder, through the same handler main.ts gives protocol.handle.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createMediaHandler, mediaUrlFor, parseMediaUrl } from '../../main/electron/media-protocol.ts';
import type { MediaFile } from '../../main/electron/host-protocol.ts';
import type { Result } from '../../preload/api.ts';
import { tempDir } from '../helpers/tmp.ts';

const tmp = tempDir('kw-media-');
const root = join(tmp.dir, 'recordings');
const outside = join(tmp.dir, 'outside');
const BYTES = Buffer.from(Array.from({ length: 100 }, (_, i) => i));
const files = new Map<number, string>();

beforeAll(() => {
  mkdirSync(join(root, 'c1', '2026-01-01'), { recursive: true });
  mkdirSync(outside, { recursive: true });
  writeFileSync(join(root, 'c1', '2026-01-01', 'seg.mp4'), BYTES);
  writeFileSync(join(root, 'c1', 'empty.mp4'), Buffer.alloc(0));
  writeFileSync(join(outside, 'secret.txt'), 'not footage');
  // A symlink inside the recordings folder pointing out of it.
  symlinkSync(join(outside, 'secret.txt'), join(root, 'c1', 'escape.mp4'));
  // A symlink inside pointing to another file inside: harmless.
  symlinkSync(join(root, 'c1', '2026-01-01', 'seg.mp4'), join(root, 'c1', 'alias.mp4'));
  files.set(1, join(root, 'c1', '2026-01-01', 'seg.mp4'));
  files.set(2, join(root, 'c1', 'escape.mp4'));
  files.set(3, join(root, 'c1', '..', '..', 'outside', 'secret.txt'));
  files.set(4, join(root, 'c1', 'missing.mp4'));
  files.set(5, join(root, 'c1', 'alias.mp4'));
  files.set(6, join(root, 'c1', 'empty.mp4'));
  files.set(7, join(root, 'c1'));
});
afterAll(() => tmp.cleanup());

const lookups: number[] = [];
async function resolve(id: number): Promise<Result<MediaFile>> {
  lookups.push(id);
  const path = files.get(id);
  if (!path) return { ok: false, error: { code: 'not_found', message: `no recording with id ${id}` } };
  return { ok: true, value: { path, size: 0, mtimeMs: 0 } };
}
const handler = createMediaHandler({ resolve, recordingsRoot: () => root, allowOrigin: () => 'http://127.0.0.1:8761' });

async function get(url: string, headers: Record<string, string> = {}, method = 'GET') {
  const res = await handler(new Request(url, { method, headers }));
  const body = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, body };
}

describe('recording URLs', () => {
  it('round-trips an id', () => {
    expect(mediaUrlFor(42)).toBe('keepwatch-media://recording/42');
    expect(parseMediaUrl(mediaUrlFor(42))).toEqual({ ok: true, id: 42 });
  });

  it.each([
    ['keepwatch-media://recording/../../etc/passwd', 404],
    ['keepwatch-media://recording/..%2F..%2Fetc%2Fpasswd', 400],
    ['keepwatch-media://recording/%2e%2e/%2e%2e/etc/passwd', 404],
    ['keepwatch-media://recording/1/../../../etc/passwd', 404],
    ['keepwatch-media://recording/1%00', 400],
    ['keepwatch-media://recording//etc/passwd', 404],
    ['keepwatch-media://recording/0', 400],
    ['keepwatch-media://recording/-1', 400],
    ['keepwatch-media://recording/1e3', 400],
    ['keepwatch-media://recording/0x10', 400],
    ['keepwatch-media://recording/99999999999999999', 400],
    ['keepwatch-media://recording/', 404],
    ['keepwatch-media://recording/1/2', 404],
    ['keepwatch-media://evil/1', 404],
    ['keepwatch-media://recording:8080/1', 404],
    ['https://recording/1', 400],
    ['file:///etc/passwd', 400],
  ])('refuses %s (%i) without asking the engine', async (url, status) => {
    lookups.length = 0;
    const res = await get(url);
    expect(res.status).toBe(status);
    expect(lookups).toEqual([]);
    expect(res.body.toString()).not.toContain('not footage');
  });
});

it('refuses userinfo in a recording URL (a Request cannot even carry it)', () => {
  expect(parseMediaUrl('keepwatch-media://user@recording/1')).toMatchObject({ ok: false, status: 400 });
  expect(parseMediaUrl('keepwatch-media://recording@evil/1')).toMatchObject({ ok: false, status: 400 });
});

describe('the media path guard', () => {
  it('serves a recording inside the folder', async () => {
    const res = await get(mediaUrlFor(1));
    expect(res.status).toBe(200);
    expect(res.body.equals(BYTES)).toBe(true);
    expect(res.headers.get('content-type')).toBe('video/mp4');
    expect(res.headers.get('content-length')).toBe('100');
    expect(res.headers.get('accept-ranges')).toBe('bytes');
    expect(res.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:8761');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('refuses a symlink that escapes the recordings folder', async () => {
    const res = await get(mediaUrlFor(2));
    expect(res.status).toBe(403);
    expect(res.body.toString()).not.toContain('not footage');
  });

  it('refuses a path that climbs out with ..', async () => {
    const res = await get(mediaUrlFor(3));
    expect(res.status).toBe(403);
    expect(res.body.toString()).not.toContain('not footage');
  });

  it('follows a symlink that stays inside', async () => {
    const res = await get(mediaUrlFor(5));
    expect(res.status).toBe(200);
    expect(res.body.equals(BYTES)).toBe(true);
  });

  it('answers 404 for an unknown id, a missing file and a folder', async () => {
    expect((await get(mediaUrlFor(999))).status).toBe(404);
    expect((await get(mediaUrlFor(4))).status).toBe(404);
    expect((await get(mediaUrlFor(7))).status).toBe(404);
  });

  it('passes the engine being unavailable on as 503', async () => {
    const down = createMediaHandler({
      resolve: async () => ({ ok: false, error: { code: 'unavailable', message: 'starting' } }),
      recordingsRoot: () => root,
      allowOrigin: () => null,
    });
    const res = await down(new Request(mediaUrlFor(1)));
    expect(res.status).toBe(503);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('allows GET and HEAD only', async () => {
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const res = await get(mediaUrlFor(1), {}, method);
      expect(res.status, method).toBe(405);
      expect(res.headers.get('allow')).toBe('GET, HEAD');
    }
    const head = await get(mediaUrlFor(1), {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('100');
    expect(head.body.length).toBe(0);
  });
});

describe('Range', () => {
  const range = (value: string, id = 1) => get(mediaUrlFor(id), { Range: value });

  it('bytes=0-0 is the first byte', async () => {
    const res = await range('bytes=0-0');
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe('bytes 0-0/100');
    expect(res.headers.get('content-length')).toBe('1');
    expect([...res.body]).toEqual([0]);
  });

  it('an open range runs to the end', async () => {
    const res = await range('bytes=90-');
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe('bytes 90-99/100');
    expect([...res.body]).toEqual([90, 91, 92, 93, 94, 95, 96, 97, 98, 99]);
  });

  it('a suffix range is the last N bytes, and at most the whole file', async () => {
    const last = await range('bytes=-3');
    expect(last.status).toBe(206);
    expect(last.headers.get('content-range')).toBe('bytes 97-99/100');
    expect([...last.body]).toEqual([97, 98, 99]);
    const more = await range('bytes=-500');
    expect(more.headers.get('content-range')).toBe('bytes 0-99/100');
    expect(more.body.equals(BYTES)).toBe(true);
  });

  it('an end beyond the file is clipped', async () => {
    const res = await range('bytes=98-1000');
    expect(res.status).toBe(206);
    expect(res.headers.get('content-range')).toBe('bytes 98-99/100');
    expect([...res.body]).toEqual([98, 99]);
  });

  it.each(['bytes=100-', 'bytes=100-200', 'bytes=5000-', 'bytes=-0', 'bytes=9-3'])('%s is unsatisfiable: 416 with the size', async (value) => {
    const res = await range(value);
    expect(res.status).toBe(416);
    expect(res.headers.get('content-range')).toBe('bytes */100');
    expect(res.body.length).toBe(0);
  });

  it('a multi-range request gets the whole file (RFC 9110 allows it)', async () => {
    const res = await range('bytes=0-1,5-6');
    expect(res.status).toBe(200);
    expect(res.body.equals(BYTES)).toBe(true);
  });

  it.each(['bytes=abc', 'bytes=--1', 'bytes=1-2-3', 'items=0-1', 'bytes 0-1', 'bytes=-', 'bytes=99999999999999999999-'])(
    'garbage %j is refused with 416, never a wrong slice',
    async (value) => {
      const res = await range(value);
      expect(res.status).toBe(416);
      expect(res.body.length).toBe(0);
    },
  );

  it('an empty recording: any range is unsatisfiable, a plain GET is empty', async () => {
    expect((await range('bytes=0-0', 6)).status).toBe(416);
    const plain = await get(mediaUrlFor(6));
    expect(plain.status).toBe(200);
    expect(plain.body.length).toBe(0);
  });
});
