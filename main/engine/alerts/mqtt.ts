/**
 * MQTT alerts for Home Assistant users (docs/detection.md "MQTT"): events,
 * review items, per-camera motion and per-label occupancy state, snapshot
 * JPEGs, availability (a retained "online", and "offline" as the last will),
 * and Home Assistant MQTT discovery configs.
 *
 * Privacy: off by default; nothing connects anywhere until the user enabled
 * it and gave a broker URL. The password is sealed at rest and never logged
 * (errors are redacted). mqtt:// or mqtts:// (with an optional CA to trust).
 *
 * Never waits: publishing hands bytes to the client and returns; while the
 * broker is away nothing is queued (state is retained and re-published in
 * full on every connect), so a dead broker cannot grow memory.
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { OBJECT_LABELS, type AlertSettings, type MqttState, type ObjectLabel, type UpdateAlertSettingsInput } from '../../../preload/contract/detection.ts';
import type { z } from 'zod';
import { invalid } from '../errors.ts';
import type { Logger } from '../log.ts';
import { redact } from '../redact.ts';
import type { SecretBox } from '../secrets/secret-box.ts';
import type { Store } from '../storage/store.ts';
import type { DetectionService, DetectionAlert } from '../detection/detection-service.ts';
import type { CameraEventRecord, ReviewItem } from '../../../preload/api.ts';
import { loadAlertSettings, openMqttPassword, updateAlertSettings, type StoredAlerts } from './alert-settings.ts';
import { discoveryFor, removalFor, topics, type TopicScheme } from './mqtt-topics.ts';

export type MqttConnect = (url: string, options: IClientOptions) => MqttClient;

export interface MqttAlertsDeps {
  store: Store;
  secrets: SecretBox;
  detection: DetectionService;
  log: Logger;
  /** Injected for tests; defaults to mqtt.connect. */
  connect?: MqttConnect;
}

type UpdateInput = z.output<typeof UpdateAlertSettingsInput>;

export class MqttAlerts {
  private client: MqttClient | null = null;
  private state: MqttState = 'off';
  private lastError: string | null = null;
  private scheme: TopicScheme | null = null;
  private snapshots = true;
  private homeAssistant = true;
  private password: string | undefined;
  /** Last known state, re-published on every connect. */
  private readonly motion = new Map<number, boolean>();
  private readonly counts = new Map<number, Record<string, number>>();
  private readonly unsubscribe: (() => void)[] = [];

  constructor(private readonly deps: MqttAlertsDeps) {}

  start(): void {
    const d = this.deps.detection;
    const on = <A extends unknown[]>(name: string, fn: (...args: A) => void) => {
      const listener = (...args: unknown[]) => {
        try {
          fn(...(args as A));
        } catch (err) {
          this.deps.log.warn(`mqtt: ${redact((err as Error).message)}`);
        }
      };
      d.on(name, listener);
      this.unsubscribe.push(() => d.off(name, listener));
    };
    on('motion', (cameraId: number, active: boolean) => this.onMotion(cameraId, active));
    on('objects', (cameraId: number, counts: Record<string, number>) => this.onCounts(cameraId, counts));
    on('event', (change: string, event: CameraEventRecord) => this.onEvent(change, event));
    on('review', (change: string, item: ReviewItem) => this.publishJson(this.scheme && topics.reviews(this.scheme), { type: change === 'start' ? 'new' : change, item }));
    on('snapshot', (cameraId: number, label: ObjectLabel | null, jpeg: Buffer) => this.onSnapshot(cameraId, label, jpeg));
    on('alert', (alert: DetectionAlert) => this.publishJson(this.scheme && `${this.scheme.prefix}/alerts`, { item: alert.item, camera: alert.camera }));
    this.apply(loadAlertSettings(this.deps.store));
  }

  async stop(): Promise<void> {
    for (const off of this.unsubscribe.splice(0)) off();
    await this.disconnect();
  }

  settings(): AlertSettings {
    const s = loadAlertSettings(this.deps.store).mqtt;
    return {
      mqtt: {
        enabled: s.enabled,
        url: s.url,
        username: s.username,
        hasPassword: s.password !== null,
        hasCa: s.ca !== null,
        rejectUnauthorized: s.rejectUnauthorized,
        topicPrefix: s.topicPrefix,
        homeAssistant: s.homeAssistant,
        discoveryPrefix: s.discoveryPrefix,
        snapshots: s.snapshots,
        state: this.state,
        lastError: this.lastError,
      },
    };
  }

  async update(patch: UpdateInput): Promise<AlertSettings> {
    const current = loadAlertSettings(this.deps.store).mqtt;
    const enabled = patch.mqtt?.enabled ?? current.enabled;
    const url = patch.mqtt?.url === undefined ? current.url : patch.mqtt.url;
    if (enabled && !url) throw invalid('mqtt.url: give the broker address (mqtt://host:1883 or mqtts://host:8883) before enabling MQTT');
    const next = updateAlertSettings(this.deps.store, this.deps.secrets, patch);
    await this.disconnect();
    this.apply(next);
    return this.settings();
  }

  /** A camera was added, renamed or its detection changed: its discovery configs again. */
  cameraChanged(cameraId: number): void {
    if (!this.connected() || !this.homeAssistant) return;
    const camera = this.deps.store.getCamera(cameraId);
    if (camera) this.publishDiscovery([cameraId]);
  }

  /** A camera is gone: its entities and retained state go too. */
  cameraRemoved(cameraId: number): void {
    this.motion.delete(cameraId);
    const counts = this.counts.get(cameraId);
    this.counts.delete(cameraId);
    const s = this.scheme;
    if (!s || !this.connected()) return;
    if (this.homeAssistant) for (const m of removalFor(s, cameraId, OBJECT_LABELS)) this.publish(m.topic, m.payload, true);
    this.publish(topics.motion(s, cameraId), '', true);
    this.publish(topics.snapshot(s, cameraId), '', true);
    for (const label of OBJECT_LABELS) {
      if (counts && label in counts) this.publish(topics.count(s, cameraId, label), '', true);
      this.publish(topics.labelSnapshot(s, cameraId, label), '', true);
    }
  }

  // ---------------------------------------------------------------- connection

  private apply(settings: StoredAlerts): void {
    const m = settings.mqtt;
    this.scheme = { prefix: m.topicPrefix, discoveryPrefix: m.discoveryPrefix, node: `keepwatch_${settings.instanceId}` };
    this.snapshots = m.snapshots;
    this.homeAssistant = m.homeAssistant;
    if (!m.enabled || !m.url) {
      this.state = 'off';
      this.lastError = null;
      return; // the privacy promise: nothing connects unless configured
    }
    try {
      this.password = openMqttPassword(this.deps.secrets, m);
    } catch {
      this.state = 'error';
      this.lastError = 'the stored MQTT password cannot be read (was the key changed?); enter it again';
      return;
    }
    const scheme = this.scheme;
    const options: IClientOptions = {
      clientId: `${scheme.node}_${process.pid}`,
      username: m.username ?? undefined,
      password: this.password,
      clean: true,
      reconnectPeriod: 5000,
      connectTimeout: 10_000,
      // Offline: nothing is queued; state is re-published on connect.
      queueQoSZero: false,
      will: { topic: topics.available(scheme), payload: Buffer.from('offline'), retain: true, qos: 1 },
      ...(m.url.startsWith('mqtts:') ? { ca: m.ca ?? undefined, rejectUnauthorized: m.rejectUnauthorized } : {}),
    };
    this.state = 'connecting';
    this.lastError = null;
    const client = (this.deps.connect ?? mqtt.connect)(m.url, options);
    this.client = client;
    client.on('connect', () => {
      if (this.client !== client) return;
      this.state = 'connected';
      this.lastError = null;
      this.deps.log.info(`mqtt: connected to ${m.url}`);
      this.onConnected();
    });
    client.on('error', (err) => {
      if (this.client !== client) return;
      this.state = 'error';
      this.lastError = this.clean(err.message);
      this.deps.log.warn(`mqtt: ${this.lastError}`);
    });
    client.on('offline', () => {
      if (this.client === client && this.state === 'connected') this.state = 'connecting';
    });
    client.on('close', () => {
      if (this.client === client && this.state === 'connected') this.state = 'connecting';
    });
  }

  private async disconnect(): Promise<void> {
    const client = this.client;
    this.client = null;
    this.state = 'off';
    if (!client) return;
    const scheme = this.scheme;
    if (client.connected && scheme) {
      await new Promise<void>((resolve) => client.publish(topics.available(scheme), 'offline', { retain: true, qos: 1 }, () => resolve()));
    }
    await new Promise<void>((resolve) => client.end(false, {}, () => resolve()));
  }

  private connected(): boolean {
    return this.client?.connected === true;
  }

  private onConnected(): void {
    const s = this.scheme!;
    this.publish(topics.available(s), 'online', true);
    const cameras = this.deps.store.listCameras();
    if (this.homeAssistant) this.publishDiscovery(cameras.map((c) => c.id));
    for (const c of cameras) {
      this.publish(topics.motion(s, c.id), this.motion.get(c.id) ? 'ON' : 'OFF', true);
      for (const [label, n] of Object.entries(this.counts.get(c.id) ?? {})) this.publish(topics.count(s, c.id, label), String(n), true);
    }
  }

  private publishDiscovery(cameraIds: number[]): void {
    const s = this.scheme!;
    for (const id of cameraIds) {
      const camera = this.deps.store.getCamera(id);
      if (!camera) continue;
      const config = this.deps.detection.config(id);
      const labels = config.enabled && config.objects ? config.labels : [];
      for (const m of discoveryFor(s, { id, name: camera.name, labels }, OBJECT_LABELS)) this.publish(m.topic, m.payload, true);
    }
  }

  // ---------------------------------------------------------------- what is published

  private onMotion(cameraId: number, active: boolean): void {
    this.motion.set(cameraId, active);
    if (this.scheme) this.publish(topics.motion(this.scheme, cameraId), active ? 'ON' : 'OFF', true);
  }

  private onCounts(cameraId: number, counts: Record<string, number>): void {
    const all = { ...(this.counts.get(cameraId) ?? {}), ...counts };
    this.counts.set(cameraId, all);
    if (!this.scheme) return;
    for (const [label, n] of Object.entries(counts)) this.publish(topics.count(this.scheme, cameraId, label), String(n), true);
  }

  private onEvent(change: string, event: CameraEventRecord): void {
    if (!this.scheme) return;
    const camera = this.deps.store.getCamera(event.cameraId);
    this.publishJson(topics.events(this.scheme), {
      type: change === 'start' ? 'new' : change,
      camera: camera ? { id: camera.id, name: camera.name } : { id: event.cameraId, name: null },
      event,
    });
  }

  private onSnapshot(cameraId: number, label: ObjectLabel | null, jpeg: Buffer): void {
    if (!this.scheme || !this.snapshots) return;
    this.publish(topics.snapshot(this.scheme, cameraId), jpeg, true);
    if (label) this.publish(topics.labelSnapshot(this.scheme, cameraId, label), jpeg, true);
  }

  private publishJson(topic: string | null, value: unknown): void {
    if (topic) this.publish(topic, JSON.stringify(value), false);
  }

  private publish(topic: string, payload: string | Buffer, retain: boolean): void {
    const client = this.client;
    if (!client?.connected) return; // nothing queued while away
    client.publish(topic, payload, { retain, qos: 0 }, (err) => {
      if (err) this.deps.log.warn(`mqtt: publishing to ${topic} failed: ${this.clean(err.message)}`);
    });
  }

  private clean(message: string): string {
    let m = redact(message);
    if (this.password) m = m.split(this.password).join('***');
    return m;
  }
}
