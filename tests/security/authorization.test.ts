/**
 * Issue 11, test 1: the authorization matrix, generated from the contract
 * (preload/contract/access.ts via OPERATION_ACCESS), the HTTP route table and
 * the raw-route table: every operation and every raw route × {admin, viewer
 * with the right, viewer without it, viewer of another camera, signed out,
 * revoked token} → the answer its declaration implies, over real HTTP.
 *
 * A new operation fails here until it has a route, a declaration (or the
 * contract does not even compile) and a sample input below; a new raw route
 * until it has a sample.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Headless } from '../../main/headless.ts';
import { signIn, startTestServer, upgradeStatus } from '../helpers/test-server.ts';
import { OPERATION_ACCESS, OPERATION_NAMES, RIGHTS, type Access, type OperationName, type Right } from '../../preload/api.ts';
import { httpRoutes, requestForInput } from '../../preload/http-routes.ts';
import { rawPath, rawRoutes, type RawRoute, type RawRouteName } from '../../preload/raw-routes.ts';
import { startSimCameras, type SimCameraSet } from '../sim/cameras.ts';
import { tempDir } from '../helpers/tmp.ts';
import { waitFor } from '../helpers/wait.ts';
import { makeClips } from '../live/browser-fixture.ts';

const tmp = tempDir('kw-authz-');
const PASSWORD = 'correct horse battery staple';
let sims: SimCameraSet;
let app: Headless;

type PersonaName = 'admin' | 'viewer with the right' | 'viewer without it' | 'viewer of another camera' | 'signed out' | 'revoked token';
const PERSONAS: PersonaName[] = ['signed out', 'revoked token', 'viewer of another camera', 'viewer without it', 'viewer with the right', 'admin'];

/** What the fixture holds: two cameras, A (the target) and B, and things of each. */
const f = {
  A: 0,
  B: 0,
  recordingA: 0,
  exportA: 0,
  exportFileA: '',
  reviewA: 0,
  viewerWithId: 0,
  viewerWithCookie: '',
  /** A viewer per missing right (all other rights on A), and one with no grant at all (for 'see'). */
  without: {} as Record<Right | 'see', string>,
  otherCookie: '',
  revokedToken: '',
  from: 0,
  to: 0,
  footageFrom: 0,
  footageTo: 0,
  /** Who each session persona is, to sign in again after logout. */
  usernames: {} as Record<string, string>,
};

const base = () => `http://127.0.0.1:${app.port}`;

async function owner(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(base() + path, { ...init, headers: { Authorization: `Bearer ${app.token}`, 'Content-Type': 'application/json', ...(init.headers ?? {}) } });
}

async function ownerJson<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await owner(path, { method, body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

let userSerial = 0;
async function createViewer(cameras: unknown[]): Promise<{ id: number; username: string }> {
  const username = `viewer${++userSerial}`;
  const user = await ownerJson<{ id: number }>('POST', '/api/users', { username, password: PASSWORD, role: 'viewer', cameras });
  return { id: user.id, username };
}

const login = (username: string) => signIn(app, username, PASSWORD);

function headersOf(persona: PersonaName, right: Right | 'see'): Record<string, string> {
  switch (persona) {
    case 'admin':
      return { Authorization: `Bearer ${app.token}` };
    case 'viewer with the right':
      return { Cookie: f.viewerWithCookie };
    case 'viewer without it':
      return { Cookie: f.without[right] };
    case 'viewer of another camera':
      return { Cookie: f.otherCookie };
    case 'revoked token':
      return { Authorization: `Bearer ${f.revokedToken}` };
    case 'signed out':
      return {};
  }
}

/** A valid input for each operation, naming camera A's things. Some make a fresh target per call (they destroy it). */
const SAMPLES: { [K in OperationName]: (persona: PersonaName) => unknown | Promise<unknown> } = {
  health: () => undefined,
  getStatus: () => undefined,
  listCameras: () => undefined,
  getCamera: () => ({ id: f.A }),
  addCamera: () => ({ name: `Added ${++userSerial}`, mainUrl: 'rtsp://127.0.0.1:9/none', enabled: false }),
  updateCamera: () => ({ id: f.A, name: SECRET_NAME }),
  removeCamera: async () => ({ id: (await ownerJson<{ id: number }>('POST', '/api/cameras', { name: 'Doomed', mainUrl: `rtsp://127.0.0.1:9/doomed${++userSerial}`, enabled: false })).id }),
  listRecordings: () => ({ camera: f.A, from: f.from, to: f.to }),
  getSettings: () => undefined,
  updateSettings: () => ({ segmentSeconds: 2 }),
  getTimeline: () => ({ cameras: [f.A], from: f.from, to: f.to }),
  findAdjacent: () => ({ cameras: [f.A], at: f.to, direction: 'previous', what: 'footage' }),
  getRecordingIndex: () => ({ id: f.recordingA }),
  createExport: () => ({ cameras: [f.A], from: f.footageFrom, to: f.footageTo, mode: 'copy' }),
  getExport: () => ({ id: f.exportA }),
  listExports: () => undefined,
  cancelExport: async () => ({ id: (await ownerJson<{ id: number }>('POST', '/api/exports', { cameras: [f.A], from: f.footageFrom, to: f.footageTo })).id }),
  verifyExport: () => ({ id: f.exportA }),
  getDiscoveryDefaults: () => undefined,
  discoverCameras: () => ({ interfaces: [], addresses: ['127.0.0.1:9'], timeoutMs: 200 }),
  probeOnvif: () => ({ address: '127.0.0.1:9' }),
  getOnvifCamera: () => ({ id: f.A }),
  setOnvifProfiles: () => ({ id: f.A, mainProfile: 'none' }),
  getSnapshot: () => ({ id: f.A }),
  ptz: () => ({ id: f.A, action: 'stop' }),
  listPtzPresets: () => ({ id: f.A }),
  listEvents: () => ({ camera: f.A, from: f.from, to: f.to }),
  getDetection: () => ({ id: f.A }),
  listZones: () => ({ id: f.A }),
  setDetection: () => ({ id: f.A, enabled: false }),
  listReview: () => ({ camera: f.A, from: f.from, to: f.to }),
  getReviewItem: () => ({ id: f.reviewA }),
  setReviewed: () => ({ id: f.reviewA, reviewed: true }),
  getAlertSettings: () => undefined,
  updateAlertSettings: () => ({}),
  getSetup: () => undefined,
  completeSetup: () => ({ code: 'WRONG-CODE-0000', username: 'owner', password: PASSWORD }),
  login: () => ({ username: `nobody${++userSerial}`, password: 'not the password' }),
  logout: () => undefined,
  getMe: () => undefined,
  // The owner has no password yet: it sets one with its token. Viewers keep theirs (the matrix signs in again).
  changePassword: (persona) => (persona === 'admin' ? { currentPassword: '', newPassword: PASSWORD } : { currentPassword: PASSWORD, newPassword: PASSWORD }),
  listUsers: () => undefined,
  createUser: () => ({ username: `made${++userSerial}`, password: PASSWORD, role: 'viewer' }),
  updateUser: async () => ({ id: (await createViewer([])).id, role: 'viewer' }),
  removeUser: async () => ({ id: (await createViewer([])).id }),
  listSessions: () => ({ user: f.viewerWithId }),
  revokeSession: async () => {
    await login(viewerWithName); // a fresh session of the viewer with the right, to be revoked
    const sessions = await ownerJson<{ id: number; current: boolean }[]>('GET', `/api/sessions?user=${f.viewerWithId}`);
    return { id: Math.max(...sessions.map((s) => s.id)) };
  },
  createToken: () => ({ name: 'script' }),
  listTokens: () => ({ user: f.viewerWithId }),
  revokeToken: async () => ({ id: (await tokenOfViewerWith()).id }),
  listAudit: () => ({ from: f.from, to: Date.now() + 60_000 }),
  getLan: () => undefined,
  updateLan: () => ({}),
};

let viewerWithName = '';

/** Every session persona signs in (again: logout ends their sessions). */
async function signInAll(): Promise<void> {
  f.viewerWithCookie = await login(f.usernames.with);
  for (const key of [...RIGHTS, 'see'] as const) f.without[key] = await login(f.usernames[key]);
  f.otherCookie = await login(f.usernames.other);
}

/** A personal token of the viewer with the right (made through its own session). */
async function tokenOfViewerWith(): Promise<{ id: number; token: string }> {
  const res = await fetch(base() + '/api/tokens', { method: 'POST', headers: { Cookie: f.viewerWithCookie, 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'sample' }) });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: number; token: string };
}

/** The right an operation's declaration is about ('see' where it names none). */
function rightOf(access: Access): Right | 'see' {
  return 'right' in access ? access.right : 'see';
}

/**
 * Written by hand, not derived from the declarations: the only operations a
 * viewer with no right on camera A may use successfully with the samples
 * (which name A's things). A declaration that is too loose (say getCamera
 * for any signed-in caller) fails here even though it is enforced faithfully.
 */
const ANY_VIEWER_MAY = new Set<OperationName>([
  'health', 'getStatus', 'listCameras', 'listExports', 'getSetup', 'completeSetup', 'login', 'logout', 'getMe', 'changePassword', 'createToken',
]);
/** Camera A's name: it must never appear in anything a viewer without A receives. */
const SECRET_NAME = 'Alpha secret camera';

type Expect = 'ok' | 401 | 403 | 404 | 'same for all';

/** What a persona must get, from the declaration alone. */
function expected(access: Access, persona: PersonaName): Expect {
  if (access.kind === 'public') return 'same for all';
  if (persona === 'signed out' || persona === 'revoked token') return 401;
  if (persona === 'admin') return 'ok';
  if (access.kind === 'signedIn') return 'ok';
  if (access.kind === 'admin') return 403;
  if (persona === 'viewer with the right') return 'ok';
  // Lists are answered, narrowed (checked separately); a named camera of someone else is not.
  if (access.kind === 'list' && !access.field) return 'ok';
  return 404;
}

/** The camera ids a list's answer shows, for the narrowing check. */
const LIST_CAMERAS: Partial<Record<OperationName, (body: never) => number[]>> = {
  getStatus: (b: { cameras: { id: number }[] }) => b.cameras.map((c) => c.id),
  listCameras: (b: { id: number }[]) => b.map((c) => c.id),
  listExports: (b: { cameras: number[] }[]) => b.flatMap((e) => e.cameras),
  listEvents: (b: { cameraId: number }[]) => b.map((e) => e.cameraId),
  listReview: (b: { cameraId: number }[]) => b.map((e) => e.cameraId),
};

/** The cameras each persona may see with a right. */
function visibleTo(persona: PersonaName, right: Right | 'see'): number[] | null {
  if (persona === 'admin') return null;
  if (persona === 'viewer with the right') return [f.A];
  if (persona === 'viewer of another camera') return [f.B];
  // It holds the missing right on B only (and nothing at all for 'see').
  if (persona === 'viewer without it') return right === 'see' ? [] : [f.B];
  return [];
}

async function call(op: OperationName, persona: PersonaName): Promise<{ status: number; body: unknown }> {
  const route = httpRoutes.find((r) => r.op === op)!;
  const input = await SAMPLES[op](persona);
  const req = requestForInput(route, input);
  const res = await fetch(base() + req.path, {
    method: req.method,
    headers: { ...headersOf(persona, rightOf(OPERATION_ACCESS[op])), ...(req.body ? { 'Content-Type': 'application/json' } : {}) },
    body: req.body,
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // binary or empty
  }
  return { status: res.status, body };
}

beforeAll(async () => {
  const clips = join(tmp.dir, 'clips');
  mkdirSync(clips);
  sims = await startSimCameras(await makeClips(clips, [{ color: 1 }, { color: 5 }]));
  app = await startTestServer(join(tmp.dir, 'data'));
  app.engine.updateSettings({ segmentSeconds: 2, freeSpaceFloorBytes: 0 });
  f.A = (await ownerJson<{ id: number }>('POST', '/api/cameras', { name: SECRET_NAME, mainUrl: sims.cameras[0].mainUrl })).id;
  f.B = (await ownerJson<{ id: number }>('POST', '/api/cameras', { name: 'B', mainUrl: sims.cameras[1].mainUrl })).id;
  f.from = Date.now() - 60_000;
  const segments = await waitFor(
    () => {
      const a = app.engine.store.querySegments(f.A, 0, Date.now() + 60_000);
      const b = app.engine.store.querySegments(f.B, 0, Date.now() + 60_000);
      return a.length >= 2 && b.length >= 1 ? a : null;
    },
    { timeoutMs: 60_000, what: 'segments of A and B' },
  );
  f.recordingA = segments[0].id;
  f.footageFrom = segments[0].start;
  f.footageTo = segments[0].end;
  f.to = Date.now() + 60_000;
  // Things of both cameras, so that a list that is not narrowed shows B's to A's viewer.
  const store = app.engine.store;
  for (const camera of [f.A, f.B]) {
    const start = segments[0].start + 100;
    store.detection.insertEvent({ cameraId: camera, kind: 'motion', start, source: 'motion' });
    const review = store.detection.insertReview({ cameraId: camera, start, severity: 'detection', labels: [], zones: [], onvif: [] });
    await store.detection.saveReviewThumbnail({ id: review, cameraId: camera }, Buffer.from([0xff, 0xd8, 0xff, 0xd9]), start, null, 1);
    if (camera === f.A) f.reviewA = review;
  }
  const exportA = await ownerJson<{ id: number }>('POST', '/api/exports', { cameras: [f.A], from: segments[0].start, to: segments[0].end });
  await ownerJson('POST', '/api/exports', { cameras: [f.B], from: f.from, to: Date.now() });
  const done = await waitFor(
    async () => {
      const job = await ownerJson<{ state: string; files: { name: string }[] }>('GET', `/api/exports/${exportA.id}`);
      return job.state === 'done' ? job : null;
    },
    { timeoutMs: 30_000, what: 'the export done' },
  );
  f.exportA = exportA.id;
  f.exportFileA = done.files[0].name;

  const all = [...RIGHTS];
  const withRight = await createViewer([f.A]);
  f.viewerWithId = withRight.id;
  viewerWithName = f.usernames.with = withRight.username;
  for (const right of RIGHTS) {
    const v = await createViewer([{ id: f.A, rights: all.filter((r) => r !== right) }, { id: f.B, rights: [right] }]);
    f.usernames[right] = v.username;
  }
  f.usernames.see = (await createViewer([])).username;
  f.usernames.other = (await createViewer([f.B])).username;
  await signInAll();
  const revoked = await tokenOfViewerWith();
  await fetch(base() + `/api/tokens/${revoked.id}`, { method: 'DELETE', headers: { Cookie: f.viewerWithCookie } });
  f.revokedToken = revoked.token;
}, 150_000);

afterAll(async () => {
  await app?.stop();
  await sims?.stopAll();
  tmp.cleanup();
}, 30_000);

describe('the authorization matrix', () => {
  it('every operation has an HTTP route, a declaration and a sample', () => {
    for (const op of OPERATION_NAMES) {
      expect(httpRoutes.some((r) => r.op === op), `${op} has no HTTP route`).toBe(true);
      expect(OPERATION_ACCESS[op], `${op} declares no right`).toBeDefined();
      expect(typeof SAMPLES[op], `${op} has no sample input here`).toBe('function');
    }
    for (const route of rawRoutes) expect(RAW_SAMPLES[route.name], `${route.name} has no sample`).toBeDefined();
  });

  // logout last: it ends the sessions the others use.
  const ops = [...OPERATION_NAMES.filter((op) => op !== 'logout'), 'logout' as const];
  it.each(ops)('%s', async (op) => {
    const access = OPERATION_ACCESS[op];
    const right = rightOf(access);
    const answers: Record<string, number> = {};
    for (const persona of PERSONAS) {
      const { status, body } = await call(op, persona);
      answers[persona] = status;
      const want = expected(access, persona);
      const what = `${op} as ${persona}: ${status} ${JSON.stringify(body).slice(0, 200)}`;
      if (want === 'ok') expect([401, 403, 404], what).not.toContain(status);
      else if (want !== 'same for all') expect(status, what).toBe(want);
      if (persona === 'viewer of another camera' || persona === 'viewer without it') {
        if (persona === 'viewer of another camera' && status < 300) expect(ANY_VIEWER_MAY, `${what}: succeeded without a right on A`).toContain(op);
        if (persona === 'viewer of another camera' || right === 'see') expect(JSON.stringify(body), what).not.toContain(SECRET_NAME);
      }
      if (want === 404) {
        // Indistinguishable from an id that never existed: the same code, no hint of a right.
        expect((body as { error: { code: string; message: string } }).error.code, what).toBe('not_found');
        expect((body as { error: { message: string } }).error.message, what).toMatch(/^no /);
      }
      const cams = LIST_CAMERAS[op];
      if (cams && status === 200) {
        const shown = cams(body as never);
        const allowed = visibleTo(persona, right);
        if (allowed) for (const id of shown) expect(allowed, `${what}: shows camera ${id}`).toContain(id);
        if (persona === 'viewer with the right' && op !== 'listExports') expect(shown, what).toContain(f.A);
      }
    }
    if (access.kind === 'public') expect(new Set(Object.values(answers)).size, `${op}: ${JSON.stringify(answers)}`).toBe(1);
    if (op === 'logout') await signInAll();
  }, 60_000);
});

const RAW_SAMPLES: Record<RawRouteName, () => Record<string, string | number>> = {
  recordingMedia: () => ({ id: f.recordingA }),
  thumbnail: () => ({ id: `${f.recordingA}-0` }),
  cameraSnapshot: () => ({ id: f.A }),
  exportDownload: () => ({ id: f.exportA }),
  exportFile: () => ({ id: f.exportA, file: f.exportFileA }),
  reviewThumbnail: () => ({ id: f.reviewA }),
  live: () => ({ id: f.A, stream: 'main' }),
};

async function rawStatus(route: RawRoute, persona: PersonaName, params: Record<string, string | number>, query = ''): Promise<number> {
  const path = rawPath(route.name, params) + query;
  const headers = headersOf(persona, route.right);
  if (route.kind === 'get') {
    const res = await fetch(base() + path, { headers });
    await res.arrayBuffer();
    return res.status;
  }
  return upgradeStatus(`ws://127.0.0.1:${app.port}${path}`, { ...headers, Origin: base() });
}

describe('the raw routes (media, pictures, downloads, live)', () => {
  it.each(rawRoutes.map((r) => [r.name, r] as const))('%s', async (_name, route) => {
    for (const persona of PERSONAS) {
      const status = await rawStatus(route, persona, RAW_SAMPLES[route.name]());
      const want = persona === 'signed out' || persona === 'revoked token' ? 401 : persona === 'admin' || persona === 'viewer with the right' ? 'ok' : 404;
      const what = `${route.name} as ${persona}: ${status}`;
      if (want === 'ok') expect(status, what).toBeLessThan(300);
      else expect(status, what).toBe(want);
    }
    // A viewer of A asking for an id that never existed gets the same answer as for B's.
    if (route.kind === 'get') {
      const unknown = { ...RAW_SAMPLES[route.name](), id: route.name === 'thumbnail' ? '999999-0' : 999_999 };
      expect(await rawStatus(route, 'viewer with the right', unknown)).toBe(404);
    }
  }, 60_000);

  it('live with latency=low (the maximised view, which may open an express connection) answers every caller as without it', async () => {
    const live = rawRoutes.find((r) => r.name === 'live')!;
    for (const persona of PERSONAS) {
      const plain = await rawStatus(live, persona, RAW_SAMPLES.live());
      expect({ persona, status: await rawStatus(live, persona, RAW_SAMPLES.live(), '?latency=low') }).toEqual({ persona, status: plain });
    }
  }, 60_000);
});
