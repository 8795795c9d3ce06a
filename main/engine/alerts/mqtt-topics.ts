/**
 * MQTT topics and Home Assistant discovery messages (pure). docs/detection.md
 * "MQTT" lists them; Home Assistant's MQTT discovery format is
 * https://www.home-assistant.io/integrations/mqtt/#mqtt-discovery.
 *
 * Cameras are named by id in topics (names change and may hold any
 * character); the human name goes into the discovery payloads. `node` is
 * this Keepwatch installation ("keepwatch_<random>"), so two installations on
 * one broker never claim each other's entities.
 */
import type { ObjectLabel } from '../../../preload/contract/detection.ts';

export interface TopicScheme {
  prefix: string;
  discoveryPrefix: string;
  /** keepwatch_<installation id>. */
  node: string;
}

export const topics = {
  available: (s: TopicScheme) => `${s.prefix}/available`,
  events: (s: TopicScheme) => `${s.prefix}/events`,
  reviews: (s: TopicScheme) => `${s.prefix}/reviews`,
  motion: (s: TopicScheme, cameraId: number) => `${s.prefix}/${cameraId}/motion`,
  count: (s: TopicScheme, cameraId: number, label: string) => `${s.prefix}/${cameraId}/${label}`,
  snapshot: (s: TopicScheme, cameraId: number) => `${s.prefix}/${cameraId}/snapshot`,
  labelSnapshot: (s: TopicScheme, cameraId: number, label: string) => `${s.prefix}/${cameraId}/${label}/snapshot`,
};

export interface DiscoveryMessage {
  topic: string;
  /** JSON config; '' removes the entity. */
  payload: string;
}

export interface DiscoveryCamera {
  id: number;
  name: string;
  /** Labels counted for this camera (detection on with objects), else []. */
  labels: readonly ObjectLabel[];
}

const objectId = (cameraId: number, what: string) => `cam${cameraId}_${what}`;

function configTopic(s: TopicScheme, component: string, cameraId: number, what: string): string {
  return `${s.discoveryPrefix}/${component}/${s.node}/${objectId(cameraId, what)}/config`;
}

function device(s: TopicScheme, camera: DiscoveryCamera) {
  return { identifiers: [`${s.node}_cam${camera.id}`], name: camera.name, manufacturer: 'Keepwatch', model: 'Camera' };
}

/** Every discovery config of one camera: motion, a count per label, the snapshot camera entity. */
export function discoveryFor(s: TopicScheme, camera: DiscoveryCamera, allLabels: readonly ObjectLabel[]): DiscoveryMessage[] {
  const common = { availability_topic: topics.available(s), payload_available: 'online', payload_not_available: 'offline', device: device(s, camera) };
  const out: DiscoveryMessage[] = [
    {
      topic: configTopic(s, 'binary_sensor', camera.id, 'motion'),
      payload: JSON.stringify({
        name: 'Motion',
        unique_id: `${s.node}_${objectId(camera.id, 'motion')}`,
        state_topic: topics.motion(s, camera.id),
        payload_on: 'ON',
        payload_off: 'OFF',
        device_class: 'motion',
        ...common,
      }),
    },
    {
      topic: configTopic(s, 'camera', camera.id, 'snapshot'),
      payload: JSON.stringify({
        name: 'Last detection',
        unique_id: `${s.node}_${objectId(camera.id, 'snapshot')}`,
        topic: topics.snapshot(s, camera.id),
        ...common,
      }),
    },
  ];
  for (const label of allLabels) {
    const topic = configTopic(s, 'sensor', camera.id, `${label}_count`);
    if (!camera.labels.includes(label)) {
      out.push({ topic, payload: '' }); // not counted here (any more): remove the entity
      continue;
    }
    out.push({
      topic,
      payload: JSON.stringify({
        name: `${label[0].toUpperCase()}${label.slice(1)} count`,
        unique_id: `${s.node}_${objectId(camera.id, `${label}_count`)}`,
        state_topic: topics.count(s, camera.id, label),
        state_class: 'measurement',
        icon: 'mdi:eye',
        ...common,
      }),
    });
  }
  return out;
}

/** Empty retained configs: Home Assistant removes the camera's entities. */
export function removalFor(s: TopicScheme, cameraId: number, allLabels: readonly ObjectLabel[]): DiscoveryMessage[] {
  return [
    { topic: configTopic(s, 'binary_sensor', cameraId, 'motion'), payload: '' },
    { topic: configTopic(s, 'camera', cameraId, 'snapshot'), payload: '' },
    ...allLabels.map((l) => ({ topic: configTopic(s, 'sensor', cameraId, `${l}_count`), payload: '' })),
  ];
}
