/**
 * The alert settings as stored (settings key "alerts"): MQTT off by default,
 * its password sealed by the SecretBox like camera credentials (never
 * returned, never logged), and this installation's random id for topic and
 * Home Assistant entity names.
 */
import { randomBytes } from 'node:crypto';
import type { UpdateAlertSettingsInput } from '../../../preload/contract/detection.ts';
import type { SecretBox } from '../secrets/secret-box.ts';
import type { Store } from '../storage/store.ts';
import type { z } from 'zod';

export interface StoredMqtt {
  enabled: boolean;
  url: string | null;
  username: string | null;
  /** base64 of the sealed password, or null. */
  password: string | null;
  ca: string | null;
  rejectUnauthorized: boolean;
  topicPrefix: string;
  homeAssistant: boolean;
  discoveryPrefix: string;
  snapshots: boolean;
}

export interface StoredAlerts {
  instanceId: string;
  mqtt: StoredMqtt;
}

export const DEFAULT_MQTT: StoredMqtt = {
  enabled: false,
  url: null,
  username: null,
  password: null,
  ca: null,
  rejectUnauthorized: true,
  topicPrefix: 'keepwatch',
  homeAssistant: true,
  discoveryPrefix: 'homeassistant',
  snapshots: true,
};

const KEY = 'alerts';

export function loadAlertSettings(store: Store): StoredAlerts {
  const raw = store.getSetting<Partial<StoredAlerts> | null>(KEY, null);
  const instanceId = typeof raw?.instanceId === 'string' && /^[a-z0-9]{6,16}$/.test(raw.instanceId) ? raw.instanceId : null;
  const settings: StoredAlerts = { instanceId: instanceId ?? randomBytes(4).toString('hex'), mqtt: { ...DEFAULT_MQTT, ...(raw?.mqtt ?? {}) } };
  if (!instanceId) store.setSetting(KEY, settings);
  return settings;
}

type UpdateInput = z.output<typeof UpdateAlertSettingsInput>;

/** Applies a PATCH; returns the new stored settings (already saved). */
export function updateAlertSettings(store: Store, secrets: SecretBox, patch: UpdateInput): StoredAlerts {
  const current = loadAlertSettings(store);
  const m = patch.mqtt;
  const next: StoredMqtt = { ...current.mqtt };
  if (m) {
    if (m.enabled !== undefined) next.enabled = m.enabled;
    if (m.url !== undefined) next.url = m.url === null ? null : m.url.trim();
    if (m.username !== undefined) next.username = m.username === null || m.username === '' ? null : m.username;
    if (m.password !== undefined) next.password = m.password === null || m.password === '' ? null : secrets.encrypt(m.password).toString('base64');
    if (m.ca !== undefined) next.ca = m.ca;
    if (m.rejectUnauthorized !== undefined) next.rejectUnauthorized = m.rejectUnauthorized;
    if (m.topicPrefix !== undefined) next.topicPrefix = m.topicPrefix;
    if (m.homeAssistant !== undefined) next.homeAssistant = m.homeAssistant;
    if (m.discoveryPrefix !== undefined) next.discoveryPrefix = m.discoveryPrefix;
    if (m.snapshots !== undefined) next.snapshots = m.snapshots;
  }
  const settings = { ...current, mqtt: next };
  store.setSetting(KEY, settings);
  return settings;
}

export function openMqttPassword(secrets: SecretBox, stored: StoredMqtt): string | undefined {
  return stored.password ? secrets.decrypt(Buffer.from(stored.password, 'base64')) : undefined;
}
