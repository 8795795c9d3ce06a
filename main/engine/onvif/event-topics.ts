/**
 * Turning ONVIF notification messages into the two things an NVR timeline
 * cares about: motion and tamper, each on or off. Vendors disagree on topic
 * names and on the name of the boolean, so both are matched loosely; every
 * other topic is ignored.
 */
import { cleanText } from './text.ts';
import { attr, child, childrenNamed, find, textOf, type XmlElement } from './xml.ts';

export type CameraEventKind = 'motion' | 'tamper';

export interface CameraEvent {
  kind: CameraEventKind;
  state: boolean;
  /** When it happened, in *local* epoch ms (camera time corrected by the clock offset). */
  time: number;
  /** The camera's own timestamp, as it sent it (ms), when it sent a readable one. */
  cameraTime?: number;
  /** Which part of the camera raised it, e.g. "VideoSourceConfigurationToken=vsc1,Rule=MotionRule". */
  source: string;
  /** The topic without namespace prefixes, e.g. "RuleEngine/CellMotionDetector/Motion". */
  topic: string;
  /** True for the current-state messages a camera sends right after subscribing ("Initialized"). */
  initial: boolean;
}

const TOPIC_RULES: Array<{ kind: CameraEventKind; pattern: RegExp }> = [
  { kind: 'tamper', pattern: /GlobalSceneChange|Tamper|ImageTooBlurry|ImageTooDark|ImageTooBright/i },
  { kind: 'motion', pattern: /Motion/i },
];

/** Data item names that carry the on/off state, most specific first. */
const STATE_ITEM_NAMES = ['IsMotion', 'IsTamper', 'IsTampered', 'State', 'Value', 'LogicalState', 'Active'];

/**
 * Camera timestamps are trusted only within this window around the time we
 * received the message; beyond it (a camera clock gone wild) we use receipt time.
 */
const MAX_TRUSTED_SKEW_MS = 5 * 60_000;

/** "tns1:RuleEngine/tnsaxis:CellMotionDetector/Motion" → "RuleEngine/CellMotionDetector/Motion". */
export function normalizeTopic(raw: string): string {
  return raw
    .trim()
    .split('/')
    .map((segment) => segment.slice(segment.lastIndexOf(':') + 1))
    .join('/');
}

export function classifyTopic(topic: string): CameraEventKind | undefined {
  return TOPIC_RULES.find((rule) => rule.pattern.test(topic))?.kind;
}

function parseBoolean(value: string | undefined): boolean | undefined {
  switch (value?.trim().toLowerCase()) {
    case 'true':
    case '1':
    case 'active':
    case 'on':
      return true;
    case 'false':
    case '0':
    case 'inactive':
    case 'off':
      return false;
    default:
      return undefined;
  }
}

function simpleItems(el: XmlElement | undefined): Array<[string, string]> {
  return childrenNamed(el, 'SimpleItem')
    .slice(0, 32)
    .map((item) => [cleanText(attr(item, 'Name'), 64), cleanText(attr(item, 'Value'), 128)]);
}

/**
 * One NotificationMessage → a CameraEvent, or undefined when it is not a
 * motion/tamper event we can read.
 * @param clockOffsetMs camera clock minus local clock
 * @param receivedAt local time the message arrived
 */
export function parseNotification(notification: XmlElement, clockOffsetMs: number, receivedAt: number): CameraEvent | undefined {
  const topic = normalizeTopic(textOf(child(notification, 'Topic')) ?? '');
  const kind = classifyTopic(topic);
  if (!kind) return undefined;
  // The tt:Message sits inside a wsnt:Message wrapper.
  const message = find(child(notification, 'Message'), 'Message') ?? child(notification, 'Message');
  if (!message) return undefined;

  const data = simpleItems(child(message, 'Data'));
  const named = STATE_ITEM_NAMES.map((name) => data.find(([n]) => n === name)).find(Boolean);
  const state = parseBoolean(named?.[1]) ?? data.map(([, value]) => parseBoolean(value)).find((v) => v !== undefined);
  if (state === undefined) return undefined;

  const utc = attr(message, 'UtcTime');
  const parsed = utc && /^\d{4}-\d{2}-\d{2}T/.test(utc) ? Date.parse(utc) : NaN;
  const cameraTime = Number.isFinite(parsed) ? parsed : undefined;
  const corrected = cameraTime === undefined ? receivedAt : cameraTime - clockOffsetMs;
  const time = Math.abs(corrected - receivedAt) <= MAX_TRUSTED_SKEW_MS ? corrected : receivedAt;

  return {
    kind,
    state,
    time,
    ...(cameraTime !== undefined ? { cameraTime } : {}),
    source: cleanText(simpleItems(child(message, 'Source')).map(([n, v]) => `${n}=${v}`).join(','), 256),
    topic: cleanText(topic, 256),
    initial: attr(message, 'PropertyOperation') === 'Initialized',
  };
}
