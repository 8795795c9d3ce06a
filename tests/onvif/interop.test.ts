/**
 * The simulated device is only worth testing against if real clients accept
 * it. Here the `onvif` npm package (an independent client, xml2js-based)
 * connects to it — clock 3 h off — and drives it.
 */
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimOnvifDevice, type SimOnvifDevice } from '../../main/sim-onvif/index.ts';

type Callback<T = unknown> = (error: Error | null, value: T) => void;
interface Cam {
  connect(callback: (error: Error | null) => void): void;
  getDeviceInformation(callback: Callback<{ manufacturer: string; model: string }>): void;
  getStreamUri(options: { protocol: string; profileToken: string }, callback: Callback<{ uri: string }>): void;
  continuousMove(options: { x: number; y: number; zoom: number }, callback: Callback): void;
  profiles: Array<{ $: { token: string } }>;
}
const { Cam } = createRequire(import.meta.url)('onvif') as { Cam: new (options: object) => Cam };

const call = <T>(run: (callback: Callback<T>) => void) =>
  new Promise<T>((resolve, reject) => run((error, value) => (error ? reject(error) : resolve(value))));

describe('the onvif npm package against the simulated device', () => {
  let device: SimOnvifDevice;
  let cam: Cam;

  beforeAll(async () => {
    device = await startSimOnvifDevice({ discovery: false, clockOffsetMs: 3 * 3600_000, manufacturer: 'Interop Inc' });
    cam = new Cam({ hostname: '127.0.0.1', port: device.port, username: 'admin', password: 'admin123', autoconnect: false, timeout: 3000 });
    await call((callback) => cam.connect((error) => callback(error, undefined)));
  });
  afterAll(() => device.stop());

  it('connects (clock offset, services, profiles) and reads device information', async () => {
    expect(cam.profiles.map((p) => p.$.token)).toEqual(['profile_main', 'profile_sub', 'profile_tiny']);
    const info = await call<{ manufacturer: string }>((callback) => cam.getDeviceInformation(callback));
    expect(info.manufacturer).toBe('Interop Inc');
  });

  it('gets stream URIs and moves the camera', async () => {
    const stream = await call<{ uri: string }>((callback) => cam.getStreamUri({ protocol: 'RTSP', profileToken: 'profile_sub' }, callback));
    expect(stream.uri).toBe('rtsp://127.0.0.1:8554/sub');
    device.calls.length = 0;
    await call((callback) => cam.continuousMove({ x: 0.5, y: -0.5, zoom: 0 }, callback));
    expect(device.calls[0]).toMatchObject({ operation: 'ContinuousMove', pan: 0.5, tilt: -0.5, zoom: 0 });
  });
});
