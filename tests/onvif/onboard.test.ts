import { afterEach, describe, expect, it } from 'vitest';
import { connectDevice, fetchSnapshot, isOnvifError, onboardDevice, OnvifError, type OnboardOptions } from '../../main/engine/onvif/index.ts';
import { startSimOnvifDevice, type SimOnvifDevice, type SimOnvifOptions } from '../../main/sim-onvif/index.ts';
import { closedPort, silentServer } from './helpers/network.ts';
import { makeSelfSignedCert } from './helpers/tls-cert.ts';

const PASSWORD = 'S3cret-pass!';
const THREE_HOURS = 3 * 3600_000;
const devices: SimOnvifDevice[] = [];

async function sim(options: SimOnvifOptions = {}): Promise<SimOnvifDevice> {
  const device = await startSimOnvifDevice({ password: PASSWORD, discovery: false, ...options });
  devices.push(device);
  return device;
}

afterEach(async () => {
  await Promise.all(devices.splice(0).map((d) => d.stop()));
});

/** Runs onboarding that must fail and returns the typed error; checks no secret leaks into it. */
async function onboardError(options: OnboardOptions): Promise<OnvifError> {
  try {
    await onboardDevice(options);
  } catch (error) {
    expect(isOnvifError(error)).toBe(true);
    const onvifError = error as OnvifError;
    expect(onvifError.message).not.toContain(options.password);
    expect(JSON.stringify(onvifError)).not.toContain(options.password);
    return onvifError;
  }
  throw new Error('onboarding unexpectedly succeeded');
}

describe('onboarding', () => {
  it('works with a camera whose clock is 3 hours off, and picks main and sub profiles', async () => {
    const device = await sim({
      clockOffsetMs: THREE_HOURS,
      name: 'Porch',
      manufacturer: 'Acme',
      model: 'PTZ-9000',
      serial: 'SN123',
      profiles: [
        { token: 'tiny', name: 'Tiny', encoding: 'H264', width: 176, height: 144, fps: 5, rtspUri: 'rtsp://127.0.0.1:8554/tiny' },
        { token: 'mjpeg', name: 'Mjpeg', encoding: 'JPEG', width: 2560, height: 1440, fps: 5, rtspUri: 'rtsp://127.0.0.1:8554/mjpeg' },
        { token: 'sub', name: 'Sub', encoding: 'H264', width: 640, height: 360, fps: 15, rtspUri: 'rtsp://127.0.0.1:8554/sub' },
        { token: 'main', name: 'Main', encoding: 'H264', width: 1920, height: 1080, fps: 25, rtspUri: 'rtsp://127.0.0.1:8554/main' },
        { token: 'mid', name: 'Mid', encoding: 'H264', width: 1280, height: 720, fps: 25, rtspUri: 'rtsp://127.0.0.1:8554/mid' },
      ],
    });
    const result = await onboardDevice({ xaddr: device.xaddr, username: 'admin', password: PASSWORD });

    expect(Math.abs(result.clockOffsetMs - THREE_HOURS)).toBeLessThan(2000);
    expect(result.device).toEqual({ manufacturer: 'Acme', model: 'PTZ-9000', firmware: '1.0.0', serial: 'SN123', hardwareId: 'SIM-HW-1' });
    expect(result.main).toEqual({ profileToken: 'main', streamUri: 'rtsp://127.0.0.1:8554/main' });
    expect(result.sub).toEqual({ profileToken: 'sub', streamUri: 'rtsp://127.0.0.1:8554/sub' });
    expect(result.profiles).toHaveLength(5);
    expect(result.profiles.find((p) => p.token === 'main')).toEqual({ token: 'main', name: 'Main', encoding: 'H264', width: 1920, height: 1080, fps: 25 });
    expect(result.snapshotUri).toBe(`http://127.0.0.1:${device.port}/snapshot.jpg`);
    expect(result.ptz).toBe(true);
    expect(result.events).toBe(true);
    expect(JSON.stringify(result)).not.toContain(PASSWORD);
  });

  it('fetches the snapshot preview with HTTP Digest', async () => {
    const device = await sim();
    const { snapshotUri } = await onboardDevice({ xaddr: device.xaddr, username: 'admin', password: PASSWORD });
    const snapshot = await fetchSnapshot({ uri: snapshotUri!, username: 'admin', password: PASSWORD });
    expect(snapshot.contentType).toBe('image/jpeg');
    expect(snapshot.body.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    await expect(fetchSnapshot({ uri: snapshotUri!, username: 'admin', password: 'nope' })).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    await expect(fetchSnapshot({ uri: device.xaddr, username: 'admin', password: PASSWORD })).rejects.toMatchObject({ code: 'HTTP_ERROR' });
  });

  it('fails the same camera when the offset is ignored (proves the digest really uses it)', async () => {
    const device = await sim({ clockOffsetMs: THREE_HOURS });
    const session = await connectDevice({ xaddr: device.xaddr, username: 'admin', password: PASSWORD });
    session.clockOffsetMs = 0;
    const { getDeviceInformation } = await import('../../main/engine/onvif/device.ts');
    await expect(getDeviceInformation(session)).rejects.toMatchObject({ code: 'AUTH_FAILED' });
  });

  it('strips our own username from stream URIs and keeps streams on the device host', async () => {
    const device = await sim({
      reportedHost: '10.20.30.40',
      profiles: [{ token: 'main', name: 'Main', encoding: 'H265', width: 2560, height: 1440, fps: 20, rtspUri: 'rtsp://admin:pw@10.20.30.40:554/Streaming/101' }],
    });
    const result = await onboardDevice({ xaddr: device.xaddr, username: 'admin', password: PASSWORD });
    expect(result.main.streamUri).toBe('rtsp://127.0.0.1:554/Streaming/101');
    expect(result.sub).toBeUndefined();
    expect(result.services.media).toBe(`http://127.0.0.1:${device.port}/onvif/media_service`);
  });

  it('falls back to GetCapabilities on old firmware and to Media2 on Profile T-only devices', async () => {
    const old = await sim({ capabilitiesOnly: true });
    const fromOld = await onboardDevice({ xaddr: old.xaddr, username: 'admin', password: PASSWORD });
    expect(old.requests).toContain('GetCapabilities');
    expect(fromOld.main.profileToken).toBe('profile_main');

    const modern = await sim({ media2Only: true });
    const fromModern = await onboardDevice({ xaddr: modern.xaddr, username: 'admin', password: PASSWORD });
    expect(fromModern.services.media).toBeUndefined();
    expect(fromModern.main.streamUri).toBe('rtsp://127.0.0.1:8554/main');
    expect(fromModern.sub?.streamUri).toBe('rtsp://127.0.0.1:8554/sub');
  });

  it('logs in with HTTP Digest when the camera demands it', async () => {
    const device = await sim({ auth: 'http-digest' });
    const result = await onboardDevice({ xaddr: device.xaddr, username: 'admin', password: PASSWORD });
    expect(result.main.profileToken).toBe('profile_main');
  });
});

describe('onboarding errors', () => {
  it.each([
    ['a SOAP NotAuthorized fault', { authFailure: 'soap-fault' }],
    ['a bare HTTP 401', { authFailure: 'http-401' }],
    ['a fault with HTTP 500', { authFailure: 'fault-500' }],
    ['an HTTP Digest refusal', { auth: 'http-digest' }],
  ] as Array<[string, SimOnvifOptions]>)('wrong password answered with %s', async (_label, quirk) => {
    const device = await sim(quirk);
    const error = await onboardError({ xaddr: device.xaddr, username: 'admin', password: 'wrong-password' });
    expect(error.code).toBe('AUTH_FAILED');
    expect(error.message).toMatch(/^The camera rejected the username or password/);
  });

  it('unreachable: connection refused, naming the address', async () => {
    const port = await closedPort();
    const error = await onboardError({ xaddr: `http://127.0.0.1:${port}/onvif/device_service`, username: 'admin', password: PASSWORD });
    expect(error.code).toBe('UNREACHABLE');
    expect(error.message).toContain(`127.0.0.1:${port}`);
    expect(error.message).toContain('refused');
  });

  it('unreachable: a device that never answers times out, naming the address', async () => {
    const hung = await silentServer();
    try {
      const started = Date.now();
      const error = await onboardError({ xaddr: `http://127.0.0.1:${hung.port}/onvif/device_service`, username: 'admin', password: PASSWORD, timeoutMs: 400 });
      expect(error.code).toBe('TIMEOUT');
      expect(error.message).toContain(`127.0.0.1:${hung.port}`);
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await hung.close();
    }
  });

  it('a slow camera within the deadline still works', async () => {
    const device = await sim({ slowReplyMs: 100 });
    await expect(onboardDevice({ xaddr: device.xaddr, username: 'admin', password: PASSWORD, timeoutMs: 1000 })).resolves.toBeTruthy();
  });

  it('device without a media service', async () => {
    const device = await sim({ noMedia: true });
    const error = await onboardError({ xaddr: device.xaddr, username: 'admin', password: PASSWORD });
    expect(error.code).toBe('NO_MEDIA_SERVICE');
    expect(error.message).toMatch(/no media service/);
  });

  it('camera that returns no profiles', async () => {
    const device = await sim({ profiles: [] });
    const error = await onboardError({ xaddr: device.xaddr, username: 'admin', password: PASSWORD });
    expect(error.code).toBe('NO_PROFILES');
    expect(error.message).toMatch(/no video profiles/);
  });

  it('camera with only MJPEG profiles', async () => {
    const device = await sim({
      profiles: [{ token: 'm', name: 'M', encoding: 'JPEG', width: 1280, height: 720, fps: 10, rtspUri: 'rtsp://127.0.0.1/m' }],
    });
    expect((await onboardError({ xaddr: device.xaddr, username: 'admin', password: PASSWORD })).code).toBe('NO_USABLE_PROFILE');
  });

  it('refuses addresses that are not http(s) or carry credentials', async () => {
    for (const xaddr of ['ftp://127.0.0.1/', 'not a url', `http://admin:${PASSWORD}@127.0.0.1/onvif/device_service`]) {
      expect((await onboardError({ xaddr, username: 'admin', password: PASSWORD })).code).toBe('BAD_ADDRESS');
    }
  });
});

describe('TLS-only devices', () => {
  const tls = makeSelfSignedCert();
  const skipReason = 'needs the openssl CLI to mint a throwaway certificate';
  if (!tls) console.warn(`TLS-only device tests skipped: ${skipReason}`);

  it.skipIf(!tls)('an http:// address to an HTTPS-only device says to use https://', async () => {
    const device = await sim({ tls });
    const xaddr = device.xaddr.replace('https:', 'http:');
    const error = await onboardError({ xaddr, username: 'admin', password: PASSWORD });
    expect(error.code).toBe('TLS_REQUIRED');
    expect(error.message).toContain('only accepts encrypted HTTPS');
    expect(error.message).toContain(`127.0.0.1:${device.port}`);
  });

  it.skipIf(!tls)('an https:// device with a self-signed certificate is refused by default, accepted when allowed', async () => {
    const device = await sim({ tls });
    const error = await onboardError({ xaddr: device.xaddr, username: 'admin', password: PASSWORD });
    expect(error.code).toBe('TLS_FAILED');
    expect(error.message).toContain('certificate is not trusted');
    const result = await onboardDevice({ xaddr: device.xaddr, username: 'admin', password: PASSWORD, rejectUnauthorized: false });
    expect(result.main.profileToken).toBe('profile_main');
  });

  it('an https:// device that is not there is unreachable over HTTPS', async () => {
    const port = await closedPort();
    const error = await onboardError({ xaddr: `https://127.0.0.1:${port}/onvif/device_service`, username: 'admin', password: PASSWORD });
    expect(error.code).toBe('UNREACHABLE');
    expect(error.message).toContain('over HTTPS');
  });
});
