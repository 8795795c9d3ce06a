/**
 * One ONVIF session per camera for calls made on the user's behalf (PTZ,
 * presets, re-reading profiles): connecting costs 2–3 requests (clock,
 * services), so it is kept, and dropped when the camera's address or login
 * changes or a call fails in a way a new session may fix (network, or a login
 * refused because the camera's clock jumped).
 */
import { connectDevice, isOnvifError, type ConnectOptions, type OnvifSession } from '../onvif/index.ts';
import { openCredentials, type SecretBox } from '../secrets/secret-box.ts';
import type { OnvifDeviceRow } from '../storage/onvif-index.ts';
import type { Store } from '../storage/store.ts';
import { invalid, notFound } from '../errors.ts';

/** Errors after which the cached session is not trusted any more. */
const STALE_AFTER = new Set(['AUTH_FAILED', 'UNREACHABLE', 'TIMEOUT', 'TLS_FAILED', 'TLS_REQUIRED']);

export interface CameraLogin {
  device: OnvifDeviceRow;
  connect: ConnectOptions;
  /** Changes whenever the address, the login or the TLS choice changes. */
  fingerprint: string;
}

export class DeviceSessions {
  private readonly cache = new Map<number, { fingerprint: string; session: Promise<OnvifSession> }>();

  constructor(
    private readonly store: Store,
    private readonly secrets: SecretBox,
    private readonly timeoutMs = 5000,
  ) {}

  /** The stored address and login of an ONVIF camera (throws not_found / invalid_input otherwise). */
  login(cameraId: number): CameraLogin {
    const camera = this.store.getCamera(cameraId);
    if (!camera) throw notFound(`no camera with id ${cameraId}`);
    const device = this.store.onvif.getDevice(cameraId);
    if (!device) throw invalid(`camera "${camera.name}" was not added through ONVIF`);
    const credentials = openCredentials(this.secrets, camera.credentials);
    const tag = camera.credentials ? camera.credentials.subarray(1, 13).toString('hex') : '';
    return {
      device,
      connect: {
        xaddr: device.xaddr,
        username: credentials?.username,
        password: credentials?.password,
        timeoutMs: this.timeoutMs,
        rejectUnauthorized: !device.acceptSelfSigned,
      },
      fingerprint: `${device.xaddr}|${tag}|${device.acceptSelfSigned}`,
    };
  }

  /** Runs `fn` with the camera's session; reconnects once when a kept session turns out stale. */
  async use<T>(cameraId: number, fn: (session: OnvifSession, device: OnvifDeviceRow) => Promise<T>): Promise<T> {
    const login = this.login(cameraId);
    const cached = this.cache.get(cameraId);
    const reused = cached?.fingerprint === login.fingerprint;
    try {
      return await fn(await this.session(cameraId, login), login.device);
    } catch (error) {
      if (!isOnvifError(error) || !STALE_AFTER.has(error.code)) throw error;
      this.cache.delete(cameraId);
      // A session that worked before may only have gone stale (clock jump, reboot): one fresh try.
      if (!reused || error.code === 'TLS_REQUIRED') throw error;
      return fn(await this.session(cameraId, login), login.device);
    }
  }

  forget(cameraId: number): void {
    this.cache.delete(cameraId);
  }

  clear(): void {
    this.cache.clear();
  }

  private session(cameraId: number, login: CameraLogin): Promise<OnvifSession> {
    const cached = this.cache.get(cameraId);
    if (cached && cached.fingerprint === login.fingerprint) return cached.session;
    const session = connectDevice(login.connect).then((s) => {
      this.store.onvif.setClockOffset(cameraId, s.clockOffsetMs);
      return s;
    });
    this.cache.set(cameraId, { fingerprint: login.fingerprint, session });
    session.catch(() => {
      if (this.cache.get(cameraId)?.session === session) this.cache.delete(cameraId);
    });
    return session;
  }
}
