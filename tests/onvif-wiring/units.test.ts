/**
 * The pure and store-level pieces of the ONVIF wiring: event pairing, the
 * "already added" rule, the add-camera input union, the Find cameras helpers
 * and the demo relay's SDP parsing.
 */
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { join } from 'node:path';
import { Store } from '../../main/engine/storage/store.ts';
import { EventLog } from '../../main/engine/onvif-service/event-log.ts';
import { findAddedCamera } from '../../main/engine/onvif-service/camera-discovery.ts';
import type { CameraEvent } from '../../main/engine/onvif/index.ts';
import type { OnvifDeviceRow } from '../../main/engine/storage/onvif-index.ts';
import { AddCameraInput, OnvifAddCameraInput } from '../../preload/api.ts';
import { clockOffsetText, groupResults, parseAddressList, profileLabel } from '../../renderer/src/onvif/find-model.ts';
import { parseSdpMedia } from '../../main/demo-onvif/rtsp-relay.ts';
import { tempDir } from '../helpers/tmp.ts';
import { ManualClock } from '../../main/engine/clock.ts';

describe('event pairing', () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: Store;
  let log: EventLog;
  let camera: number;
  const event = (state: boolean, time: number, extra: Partial<CameraEvent> = {}): CameraEvent => ({
    kind: 'motion',
    state,
    time,
    source: 'Rule=A',
    topic: 'RuleEngine/CellMotionDetector/Motion',
    initial: false,
    ...extra,
  });
  const rows = () => store.onvif.queryEvents(camera, 0, 10_000_000, 100).map((e) => [e.kind, e.source, e.start, e.end]);

  beforeEach(() => {
    tmp = tempDir('kw-events-');
    store = Store.open({ databaseFile: join(tmp.dir, 'db'), recordingsRoot: join(tmp.dir, 'rec'), clock: new ManualClock(5_000_000) });
    camera = store.insertCamera({ name: 'c', enabled: true, source: 'onvif', credentials: null, maxAgeMs: null, streams: [] });
    log = new EventLog(store);
  });
  afterEach(() => {
    store.close();
    tmp.cleanup();
  });

  it('opens on true, closes on the next false of the same kind and source', () => {
    expect(log.record(camera, event(true, 1000))).toBe('opened');
    expect(log.record(camera, event(true, 1500))).toBe('ignored'); // still the same event
    expect(log.record(camera, event(true, 1600, { source: 'Rule=B' }))).toBe('opened');
    expect(log.record(camera, event(true, 1700, { kind: 'tamper' }))).toBe('opened');
    expect(log.record(camera, event(false, 2000))).toBe('closed');
    expect(log.record(camera, event(false, 2100))).toBe('ignored');
    expect(rows()).toEqual([
      ['motion', 'Rule=A', 1000, 2000],
      ['motion', 'Rule=B', 1600, null],
      ['tamper', 'Rule=A', 1700, null],
    ]);
  });

  it('treats initial messages as state: never a new event, but an initial "off" ends an open one', () => {
    expect(log.record(camera, event(true, 1000, { initial: true }))).toBe('ignored');
    log.record(camera, event(true, 2000));
    expect(log.record(camera, event(true, 3000, { initial: true }))).toBe('ignored');
    expect(log.record(camera, event(false, 4000, { initial: true }))).toBe('closed');
    expect(rows()).toEqual([['motion', 'Rule=A', 2000, 4000]]);
  });

  it('an end before the start is clamped; stopping ends open events now; a crash leaves them ending at their start', () => {
    log.record(camera, event(true, 5000));
    log.record(camera, event(false, 4000));
    log.record(camera, event(true, 6000));
    log.stopListening(camera, 9000);
    log.record(camera, event(true, 10_000));
    log.closeDangling(camera);
    expect(rows()).toEqual([
      ['motion', 'Rule=A', 5000, 5000],
      ['motion', 'Rule=A', 6000, 9000],
      ['motion', 'Rule=A', 10_000, 10_000],
    ]);
  });

  it('an open event counts as lasting until now in queries, however long ago it began', () => {
    log.record(camera, event(true, 1000));
    expect(store.onvif.queryEvents(camera, 4_000_000, 4_100_000, 10).map((e) => e.start)).toEqual([1000]);
  });
});

describe('"already added" needs the host that answered and the identity', () => {
  const known = [{ cameraId: 7, xaddr: 'http://192.168.1.20/onvif/device_service', endpointRef: 'urn:uuid:a' } as OnvifDeviceRow];
  it.each([
    [{ endpointRef: 'urn:uuid:a', xaddrs: ['http://192.168.1.20/onvif/device_service'], sourceAddress: '192.168.1.20' }, 7],
    [{ endpointRef: 'urn:uuid:other', xaddrs: ['http://192.168.1.20/onvif/device_service'], sourceAddress: '192.168.1.20' }, 7],
    [{ endpointRef: 'urn:uuid:a', xaddrs: ['http://192.168.1.66/onvif/device_service'], sourceAddress: '192.168.1.66' }, undefined],
    // Claims the camera's reference and lists its address, but answers from another host.
    [{ endpointRef: 'urn:uuid:a', xaddrs: ['http://192.168.1.20/onvif/device_service'], sourceAddress: '192.168.1.66' }, undefined],
    [{ endpointRef: 'urn:uuid:b', xaddrs: ['http://192.168.1.20:8080/onvif/device_service'], sourceAddress: '192.168.1.20' }, undefined],
  ])('%j → camera %s', (device, expected) => {
    expect(findAddedCamera(device, known)?.cameraId).toBe(expected);
  });
});

describe('the add-camera input', () => {
  it('completes and normalises an ONVIF address', () => {
    const parsed = OnvifAddCameraInput.parse({ onvif: { xaddr: ' 192.168.1.20:8080 ', username: 'admin', password: 'x' } });
    expect(parsed.onvif.xaddr).toBe('http://192.168.1.20:8080/onvif/device_service');
    expect(OnvifAddCameraInput.parse({ onvif: { xaddr: 'HTTP://CAM.lan:80/onvif/device_service', username: '', password: '' } }).onvif.xaddr).toBe(
      'http://cam.lan/onvif/device_service',
    );
  });

  it.each([
    [{ onvif: { xaddr: 'http://admin:pw@cam/onvif', username: '', password: '' } }, /username and password in their own fields/],
    [{ onvif: { xaddr: 'rtsp://cam/stream', username: '', password: '' } }, /http:\/\/ or https:\/\/, not rtsp:/],
    [{ onvif: { xaddr: 'http://cam/a b', username: '', password: '' } }, /spaces/],
    [{ onvif: { xaddr: 'http://cam/', username: '', password: '', mainProfile: 'x'.repeat(65) } }, /64 characters/],
    [{ onvif: { xaddr: 'http://cam/', username: '', password: '' }, mainUrl: 'rtsp://cam/' }, /either "mainUrl".*or "onvif"/],
    [{ name: 'x' }, /mainUrl/],
  ])('refuses %j', (input, why) => {
    const r = AddCameraInput.safeParse(input);
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')).toMatch(why);
  });
});

describe('Find cameras helpers', () => {
  it('groups results per interface, then unicast-only answers', () => {
    const device = (name: string, interfaces: string[], unicast: boolean) => ({
      endpointRef: name, name, hardware: null, location: null, xaddrs: [`http://${name}/`], address: name, interfaces, unicast, conflictingSources: [], added: name === 'b', cameraId: null,
    });
    const groups = groupResults({
      devices: [device('b', ['eth0'], false), device('a', ['eth0', 'wlan0'], true), device('c', [], true)],
      interfaces: [{ name: 'eth0', address: '192.168.1.5', error: null }, { name: 'wlan0', address: null, error: 'bind failed' }],
      unicastTargets: 2,
      rejectedMessages: 0,
      durationMs: 3000,
    });
    expect(groups.map((g) => [g.title, g.error, g.devices.map((d) => d.name)])).toEqual([
      ['eth0', null, ['a', 'b']],
      ['wlan0', 'bind failed', ['a']],
      ['By address', null, ['c']],
    ]);
  });

  it('labels', () => {
    expect(clockOffsetText(10_799_400)).toBe('3 h ahead');
    expect(clockOffsetText(-(2 * 3600_000 + 5 * 60_000))).toBe('2 h 5 min behind');
    expect(clockOffsetText(30_000)).toBeNull();
    expect(profileLabel({ token: 't', name: 'Main', encoding: 'H265', width: 3840, height: 2160, fps: 20 })).toBe('Main · H.265 · 3840×2160 · 20 fps');
    expect(parseAddressList(' 10.0.0.1, 10.0.0.5-9\n10.0.0.20 ')).toEqual(['10.0.0.1', '10.0.0.5-9', '10.0.0.20']);
  });
});

describe('demo relay SDP', () => {
  it('keeps the media description once ffmpeg has printed it whole', () => {
    const sdp = 'SDP:\nv=0\no=- 0 0 IN IP4 127.0.0.1\ns=No Name\nc=IN IP4 127.0.0.1\nt=0 0\na=tool:libavformat\nm=video 40000 RTP/AVP 96\nb=AS:600\na=rtpmap:96 H264/90000\na=fmtp:96 packetization-mode=1; sprop-parameter-sets=Z0LAHg==,aM4=; profile-level-id=42C01E\n';
    expect(parseSdpMedia(sdp.slice(0, -20))).toBeNull();
    expect(parseSdpMedia(sdp)).toEqual([
      'm=video 0 RTP/AVP 96',
      'b=AS:600',
      'a=rtpmap:96 H264/90000',
      'a=fmtp:96 packetization-mode=1; sprop-parameter-sets=Z0LAHg==,aM4=; profile-level-id=42C01E',
    ]);
  });
});
