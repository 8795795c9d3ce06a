/**
 * Issue 12, test 4: MQTT against a real broker — Debian's mosquitto on
 * loopback, with a password file and a TLS listener (a throw-away CA made
 * with openssl). Events and state reach a subscriber, Home Assistant
 * discovery configs are published, availability goes offline with us, a
 * removed camera's entities are removed, and nothing connects while MQTT is
 * off.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import mqtt, { type MqttClient } from 'mqtt';
import { ManualClock } from '../../main/engine/clock.ts';
import { MemorySink, createLogger } from '../../main/engine/log.ts';
import { Store } from '../../main/engine/storage/store.ts';
import { KeyFileSecretBox } from '../../main/engine/secrets/secret-box.ts';
import { DetectionService } from '../../main/engine/detection/detection-service.ts';
import { MqttAlerts } from '../../main/engine/alerts/mqtt.ts';
import { DetectionConfig } from '../../preload/contract/detection.ts';
import { tempDir } from '../helpers/tmp.ts';
import { waitFor } from '../helpers/wait.ts';
import { FakeWorld } from './service-fakes.ts';

const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);
const PASSWORD = 'br0ker-Secret!';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

let tmp: { dir: string; cleanup(): void };
let broker: ChildProcess;
let plainPort: number;
let tlsPort: number;
let caPem: string;

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
}

beforeAll(async () => {
  tmp = tempDir('kw-mqtt-');
  const d = tmp.dir;
  // A CA and a server certificate for 127.0.0.1.
  run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=Keepwatch test CA', '-keyout', join(d, 'ca.key'), '-out', join(d, 'ca.pem')]);
  run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', join(d, 'server.key'), '-out', join(d, 'server.csr')]);
  writeFileSync(join(d, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  run('openssl', ['x509', '-req', '-in', join(d, 'server.csr'), '-CA', join(d, 'ca.pem'), '-CAkey', join(d, 'ca.key'), '-CAcreateserial', '-days', '2', '-extfile', join(d, 'san.ext'), '-out', join(d, 'server.pem')]);
  caPem = readFileSync(join(d, 'ca.pem'), 'utf8');
  run('mosquitto_passwd', ['-b', '-c', join(d, 'passwd'), 'keepwatch', PASSWORD]);
  plainPort = await freePort();
  tlsPort = await freePort();
  writeFileSync(
    join(d, 'mosquitto.conf'),
    [
      // As root, mosquitto would switch to its own user, which cannot read this private temp folder.
      `user ${userInfo().username}`,
      'persistence false',
      'log_type error',
      `password_file ${join(d, 'passwd')}`,
      'allow_anonymous false',
      'per_listener_settings false',
      `listener ${plainPort} 127.0.0.1`,
      `listener ${tlsPort} 127.0.0.1`,
      `cafile ${join(d, 'ca.pem')}`,
      `certfile ${join(d, 'server.pem')}`,
      `keyfile ${join(d, 'server.key')}`,
      '',
    ].join('\n'),
  );
  broker = spawn('mosquitto', ['-c', join(d, 'mosquitto.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let brokerErrors = '';
  broker.stderr!.on('data', (b: Buffer) => (brokerErrors += b.toString()));
  await waitFor(
    () =>
      new Promise<boolean>((resolve, reject) => {
        if (broker.exitCode !== null) return reject(new Error(`mosquitto exited (${broker.exitCode}): ${brokerErrors}`));
        const c = mqtt.connect(`mqtt://127.0.0.1:${plainPort}`, { username: 'keepwatch', password: PASSWORD, reconnectPeriod: 0, connectTimeout: 1000 });
        c.on('connect', () => {
          resolve(true);
          c.end(true);
        });
        c.on('error', (err) => c.end(true, {}, () => reject(err)));
        c.on('close', () => resolve(false));
      }),
    { timeoutMs: 10_000, what: 'mosquitto to accept connections' },
  );
}, 60_000);

afterAll(() => {
  broker?.kill();
  tmp?.cleanup();
});

/** A subscriber that remembers the last payload of every topic. */
async function subscriber(): Promise<{ client: MqttClient; last: Map<string, Buffer>; all: [string, Buffer][] }> {
  const client = mqtt.connect(`mqtt://127.0.0.1:${plainPort}`, { username: 'keepwatch', password: PASSWORD, reconnectPeriod: 0 });
  const last = new Map<string, Buffer>();
  const all: [string, Buffer][] = [];
  client.on('message', (topic, payload) => {
    last.set(topic, payload);
    all.push([topic, payload]);
  });
  await new Promise<void>((resolve, reject) => {
    client.on('connect', () => client.subscribe('#', { qos: 1 }, (err) => (err ? reject(err) : resolve())));
    client.on('error', reject);
  });
  return { client, last, all };
}

function rig(name: string) {
  const dir = join(tmp.dir, name);
  mkdirSync(dir);
  const clock = new ManualClock(T0);
  const store = Store.open({ databaseFile: join(dir, 'k.db'), recordingsRoot: join(dir, 'rec'), clock });
  const secrets = KeyFileSecretBox.fromKey(Buffer.alloc(32, 7));
  const logs = new MemorySink();
  const log = createLogger({ sink: logs });
  const world = new FakeWorld();
  const detection = new DetectionService({ store, clock, log, parts: world.parts() }, { alertPictureWaitMs: 60_000 });
  const connects: string[] = [];
  const alerts = new MqttAlerts({
    store,
    secrets,
    detection,
    log,
    connect: (url, opts) => {
      connects.push(url);
      return mqtt.connect(url, opts);
    },
  });
  detection.start();
  alerts.start();
  return {
    store,
    clock,
    world,
    detection,
    alerts,
    logs,
    connects,
    async close() {
      await alerts.stop();
      await detection.stop();
      store.close();
    },
  };
}

const settle = () => new Promise<void>((r) => setImmediate(r));

describe('MQTT to a real mosquitto', () => {
  it('never connects while off, and refuses to enable without a broker', async () => {
    const r = rig('off');
    expect(r.alerts.settings().mqtt).toMatchObject({ enabled: false, url: null, state: 'off', hasPassword: false });
    await expect(r.alerts.update({ mqtt: { enabled: true } })).rejects.toThrow(/broker address/);
    await r.alerts.update({ mqtt: { url: `mqtt://127.0.0.1:${plainPort}`, username: 'keepwatch', password: PASSWORD } });
    expect(r.connects).toEqual([]);
    expect(r.alerts.settings().mqtt).toMatchObject({ enabled: false, state: 'off', hasPassword: true, username: 'keepwatch' });
    await r.close();
  });

  it('publishes availability, discovery, motion, occupancy, events and snapshots; a removed camera leaves nothing', async () => {
    const sub = await subscriber();
    const r = rig('on');
    const cam = r.store.insertCamera({ name: 'Front door', enabled: true, source: 'rtsp', credentials: null, maxAgeMs: null, streams: [{ kind: 'main', url: 'rtsp://127.0.0.1:9/x' }] });
    r.detection.setDetection(cam, DetectionConfig.parse({ enabled: true, minDurationMs: 0, labels: ['person', 'car'] }));
    const settings = await r.alerts.update({ mqtt: { enabled: true, url: `mqtt://127.0.0.1:${plainPort}`, username: 'keepwatch', password: PASSWORD, topicPrefix: 'kwtest' } });
    expect(settings.mqtt).not.toHaveProperty('password');
    expect(JSON.stringify(settings)).not.toContain(PASSWORD);
    // The password is sealed at rest: the stored settings do not contain it.
    expect(JSON.stringify(r.store.getSetting('alerts', {}))).not.toContain(PASSWORD);
    await waitFor(() => r.alerts.settings().mqtt.state === 'connected', { timeoutMs: 10_000, what: 'the MQTT connection' });

    await waitFor(() => sub.last.get('kwtest/available')?.toString() === 'online', { timeoutMs: 5000, what: 'availability' });
    const node = `keepwatch_${(r.store.getSetting('alerts', {}) as { instanceId: string }).instanceId}`;
    const motionConfig = `homeassistant/binary_sensor/${node}/cam${cam}_motion/config`;
    await waitFor(() => sub.last.get(motionConfig), { timeoutMs: 5000, what: 'the motion discovery config' });
    const config = JSON.parse(sub.last.get(motionConfig)!.toString());
    expect(config).toMatchObject({ state_topic: `kwtest/${cam}/motion`, device_class: 'motion', availability_topic: 'kwtest/available', device: { name: 'Front door' } });
    const personConfig = JSON.parse(sub.last.get(`homeassistant/sensor/${node}/cam${cam}_person_count/config`)!.toString());
    expect(personConfig.state_topic).toBe(`kwtest/${cam}/person`);
    expect(JSON.parse(sub.last.get(`homeassistant/camera/${node}/cam${cam}_snapshot/config`)!.toString()).topic).toBe(`kwtest/${cam}/snapshot`);
    expect(sub.last.get(`kwtest/${cam}/motion`)?.toString()).toBe('OFF');

    // A person walks through: motion ON, one person, an event, a snapshot, then all clear.
    for (let t = T0; t < T0 + 400; t += 200) r.world.frame(cam, t);
    await settle();
    for (let t = T0 + 400; t < T0 + 3000; t += 200) {
      r.world.motion.set(t, [{ x: 0.2, y: 0.2, w: 0.3, h: 0.5 }]);
      r.world.objects.set(t, [{ label: 'person', score: 0.9, box: { x: 0.2 + (t - T0) / 100_000, y: 0.2, w: 0.1, h: 0.4 } }]);
    }
    const frames = async (from: number, to: number) => {
      for (let t = from; t < to; t += 200) {
        r.clock.advance(t - r.clock.now());
        r.world.frame(cam, t);
        await settle();
      }
    };
    await frames(T0 + 400, T0 + 3000);
    // Pictures are written to disk in real time; the scripted clock would otherwise close the item first.
    await waitFor(() => sub.last.get(`kwtest/${cam}/person/snapshot`), { timeoutMs: 5000, what: 'a snapshot' });
    await frames(T0 + 3000, T0 + 30_000);
    await waitFor(() => sub.all.some(([topic, p]) => topic === `kwtest/${cam}/motion` && p.toString() === 'ON'), { timeoutMs: 5000, what: 'motion ON' });
    await waitFor(() => sub.all.some(([topic, p]) => topic === `kwtest/${cam}/person` && p.toString() === '1'), { timeoutMs: 5000, what: 'one person' });
    await waitFor(() => sub.last.get(`kwtest/${cam}/person`)?.toString() === '0', { timeoutMs: 5000, what: 'the person gone' });
    await waitFor(() => sub.last.get(`kwtest/${cam}/motion`)?.toString() === 'OFF', { timeoutMs: 5000, what: 'motion OFF' });
    const events = sub.all.filter(([t]) => t === 'kwtest/events').map(([, p]) => JSON.parse(p.toString()));
    const personEvent = events.find((e) => e.event.label === 'person' && e.type === 'new');
    expect(personEvent).toMatchObject({ camera: { id: cam, name: 'Front door' }, event: { kind: 'object', origin: 'detection', cameraId: cam } });
    expect(events.some((e) => e.type === 'end' && e.event.id === personEvent.event.id)).toBe(true);
    await waitFor(() => sub.last.get(`kwtest/${cam}/person/snapshot`), { timeoutMs: 5000, what: 'a snapshot' });
    expect(sub.last.get(`kwtest/${cam}/person/snapshot`)!.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    const reviews = sub.all.filter(([t]) => t === 'kwtest/reviews').map(([, p]) => JSON.parse(p.toString()));
    expect(reviews.some((m) => m.type === 'new' && m.item.cameraId === cam)).toBe(true);
    await waitFor(() => sub.all.some(([t]) => t === 'kwtest/alerts'), { timeoutMs: 5000, what: 'the alert message' });

    // The camera is removed: Home Assistant is told to forget its entities.
    r.detection.cameraRemoved(cam);
    r.store.deleteCamera(cam);
    r.alerts.cameraRemoved(cam);
    await waitFor(() => sub.last.get(motionConfig)?.length === 0, { timeoutMs: 5000, what: 'the motion entity removed' });
    await waitFor(() => sub.last.get(`kwtest/${cam}/person`)?.length === 0, { timeoutMs: 5000, what: 'the count cleared' });

    // Stopping says goodbye: availability offline.
    await r.close();
    await waitFor(() => sub.last.get('kwtest/available')?.toString() === 'offline', { timeoutMs: 5000, what: 'availability offline' });
    await new Promise<void>((resolve) => sub.client.end(false, {}, () => resolve()));
  });

  it('connects over TLS with the given CA, and a wrong password is an error without the password in it', async () => {
    const r = rig('tls');
    await r.alerts.update({ mqtt: { enabled: true, url: `mqtts://127.0.0.1:${tlsPort}`, username: 'keepwatch', password: PASSWORD, ca: caPem } });
    await waitFor(() => r.alerts.settings().mqtt.state === 'connected', { timeoutMs: 10_000, what: 'the TLS connection' });
    expect(r.alerts.settings().mqtt.hasCa).toBe(true);

    // Without the CA the broker's certificate is refused.
    await r.alerts.update({ mqtt: { ca: null } });
    await waitFor(() => r.alerts.settings().mqtt.state === 'error', { timeoutMs: 10_000, what: 'the certificate refused' });

    const wrong = 'wr0ng-Passw0rd';
    await r.alerts.update({ mqtt: { url: `mqtt://127.0.0.1:${plainPort}`, password: wrong } });
    await waitFor(() => r.alerts.settings().mqtt.state === 'error', { timeoutMs: 10_000, what: 'the login refused' });
    const s = r.alerts.settings();
    expect(s.mqtt.lastError).toBeTruthy();
    expect(JSON.stringify(s)).not.toContain(wrong);
    expect(r.logs.lines.join('\n')).not.toContain(wrong);
    expect(r.logs.lines.join('\n')).not.toContain(PASSWORD);
    await r.close();
  });
});
