/**
 * Adding, editing and removing cameras. Credentials are split out of URLs,
 * encrypted, and never returned; every URL that leaves this module is bare.
 */
import type { Camera, RtspAddCameraInput, UpdateCameraInput } from '../../../preload/api.ts';
import type { Store, CameraRow, CameraSource } from '../storage/store.ts';
import { openCredentials, sealCredentials, type Credentials, type SecretBox } from '../secrets/secret-box.ts';
import { conflict, notFound } from '../errors.ts';
import type { RecordingSupervisor } from '../recording/supervisor.ts';
import type { RetentionService } from '../retention/retention.ts';

const DAY_MS = 24 * 3600 * 1000;

/** Splits rtsp://user:pass@host/path into the bare URL and its credentials. */
export function splitCredentials(url: string): { url: string; credentials: Credentials | null } {
  const u = new URL(url);
  if (!u.username && !u.password) return { url: u.toString(), credentials: null };
  const credentials = { username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) };
  u.username = '';
  u.password = '';
  return { url: u.toString(), credentials };
}

/** What happened to a camera: listeners tear down whatever they keep for it. */
export type CameraChange = 'removed' | 'disabled' | 'edited';
export type CameraChangeListener = (cameraId: number, change: CameraChange) => void;

export class CameraService {
  private readonly listeners = new Set<CameraChangeListener>();

  constructor(
    private readonly store: Store,
    private readonly secrets: SecretBox,
    private readonly supervisor: RecordingSupervisor,
    private readonly retention: RetentionService,
  ) {}

  /**
   * Called after a camera was removed, switched off or edited (its recorders
   * already follow the change). Everything keyed by a camera — live feeds,
   * transcodes, event subscriptions, snapshot requests, thumbnail jobs,
   * detection — listens here and lets go of a camera that is gone.
   */
  onChange(listener: CameraChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(cameraId: number, change: CameraChange): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(cameraId, change);
      } catch {
        // one listener's failure must not keep the others from tearing down
      }
    }
  }

  list(): Camera[] {
    return this.store.listCameras().map((c) => this.view(c));
  }

  get(id: number): Camera {
    const row = this.store.getCamera(id);
    if (!row) throw notFound(`no camera with id ${id}`);
    return this.view(row);
  }

  /** Secrets of every camera, for log redaction (never for output). */
  *knownSecrets(): Iterable<string> {
    for (const c of this.store.listCameras()) {
      try {
        const creds = openCredentials(this.secrets, c.credentials);
        if (creds?.password) yield creds.password;
      } catch {
        // unreadable credentials: nothing to redact
      }
    }
  }

  async add(input: RtspAddCameraInput, source: CameraSource = 'rtsp'): Promise<Camera> {
    const main = splitCredentials(input.mainUrl);
    const sub = input.subUrl ? splitCredentials(input.subUrl) : null;
    const duplicate = this.store
      .listCameras()
      .find((c) => this.store.listStreams(c.id).some((s) => s.kind === 'main' && s.url === main.url));
    if (duplicate) throw conflict(`camera "${duplicate.name}" (id ${duplicate.id}) already records ${main.url}`);
    const creds = mergeCredentials(main.credentials ?? sub?.credentials ?? null, input.username, input.password);
    const id = this.store.insertCamera({
      name: input.name,
      enabled: input.enabled ?? true,
      source,
      credentials: sealCredentials(this.secrets, creds),
      maxAgeMs: input.retention?.maxAgeDays ? Math.round(input.retention.maxAgeDays * DAY_MS) : null,
      streams: [{ kind: 'main', url: main.url }, ...(sub ? [{ kind: 'sub' as const, url: sub.url }] : [])],
    });
    if (input.retention?.eventsMaxAgeDays) this.store.detection.setEventsMaxAgeMs(id, Math.round(input.retention.eventsMaxAgeDays * DAY_MS));
    await this.supervisor.sync(id);
    return this.get(id);
  }

  /** Adds a built-in test-pattern camera (the demo). Not reachable from the API. */
  async addTestPattern(name: string, n: number): Promise<Camera> {
    if (!Number.isInteger(n) || n < 1 || n > 999) throw new Error(`test-pattern cameras are numbered from 1 to 999, not ${n}`);
    const id = this.store.insertCamera({
      name,
      enabled: true,
      source: 'test-pattern',
      credentials: null,
      maxAgeMs: null,
      streams: [
        { kind: 'main', url: `test-pattern:${n}` },
        { kind: 'sub', url: `test-pattern:${n}/sub` },
      ],
    });
    await this.supervisor.sync(id);
    return this.get(id);
  }

  async update(input: UpdateCameraInput): Promise<Camera> {
    const id = Number(input.id);
    const row = this.store.getCamera(id);
    if (!row) throw notFound(`no camera with id ${id}`);
    const main = input.mainUrl ? splitCredentials(input.mainUrl) : null;
    const sub = input.subUrl ? splitCredentials(input.subUrl) : null;
    let credentials: Buffer | null | undefined;
    const fromUrl = main?.credentials ?? sub?.credentials ?? null;
    if (fromUrl || input.username !== undefined || input.password !== undefined) {
      const previous = openCredentials(this.secrets, row.credentials);
      const base = fromUrl ?? previous ?? { username: '', password: '' };
      credentials = sealCredentials(this.secrets, mergeCredentials(base, input.username, input.password));
    }
    this.store.transaction(() => {
      this.store.updateCamera(id, {
        name: input.name,
        enabled: input.enabled,
        credentials,
        maxAgeMs:
          input.retention === undefined ? undefined : input.retention.maxAgeDays ? Math.round(input.retention.maxAgeDays * DAY_MS) : null,
        // A typed-in URL makes a demo camera an ordinary RTSP camera.
        source: main && row.source === 'test-pattern' ? 'rtsp' : undefined,
      });
      // "Events M days": omitted keeps what was set, null clears it.
      const eventsDays = input.retention?.eventsMaxAgeDays;
      if (eventsDays !== undefined) this.store.detection.setEventsMaxAgeMs(id, eventsDays ? Math.round(eventsDays * DAY_MS) : null);
      if (main) this.store.setStreamUrl(id, 'main', main.url);
      if (sub) this.store.setStreamUrl(id, 'sub', sub.url);
      else if (input.subUrl === null) this.store.setStreamUrl(id, 'sub', null);
    });
    await this.supervisor.sync(id);
    if (input.retention) this.retention.poke();
    this.changed(id, row.enabled && input.enabled === false ? 'disabled' : 'edited');
    return this.get(id);
  }

  async remove(id: number): Promise<{ removed: number }> {
    if (!this.store.getCamera(id)) throw notFound(`no camera with id ${id}`);
    await this.supervisor.remove(id);
    this.store.deleteCamera(id);
    this.changed(id, 'removed');
    return { removed: id };
  }

  view(row: CameraRow): Camera {
    const streams = this.store.listStreams(row.id);
    const main = streams.find((s) => s.kind === 'main');
    const sub = streams.find((s) => s.kind === 'sub');
    const storage = this.store.cameraStorage(row.id);
    const recorder = this.supervisor.status(row.id, 'main');
    const status = !row.enabled
      ? { state: 'disabled' as const, since: row.createdAt, lastError: null, retryAt: null }
      : (recorder ?? { state: 'connecting' as const, since: row.createdAt, lastError: null, retryAt: null });
    return {
      id: row.id,
      name: row.name,
      enabled: row.enabled,
      source: row.source,
      mainUrl: main?.url ?? '',
      subUrl: sub?.url ?? null,
      hasCredentials: row.credentials !== null,
      retention: { maxAgeDays: row.maxAgeMs === null ? null : row.maxAgeMs / DAY_MS, eventsMaxAgeDays: eventsMaxAgeDays(this.store.detection.eventsMaxAgeMs(row.id)) },
      status,
      streams: streams.map((s) => ({ kind: s.kind, url: s.url, codec: s.codec, width: s.width, height: s.height, audioCodec: s.audioCodec })),
      storage: { ...storage, ...this.retention.keptDays(row.id, storage.oldestStart, row.maxAgeMs) },
      createdAt: row.createdAt,
    };
  }
}

const eventsMaxAgeDays = (ms: number | null) => (ms === null ? null : ms / DAY_MS);

function mergeCredentials(base: Credentials | null, username?: string, password?: string): Credentials | null {
  if (!base && username === undefined && password === undefined) return null;
  return { username: username ?? base?.username ?? '', password: password ?? base?.password ?? '' };
}
