import { afterEach, describe, expect, it } from 'vitest';
import {
  connectDevice,
  parseNotification,
  startPullPointSubscriber,
  type CameraEvent,
  type PullPointStatus,
  type PullPointSubscriber,
} from '../../main/engine/onvif/index.ts';
import { parseXml } from '../../main/engine/onvif/xml.ts';
import { startSimOnvifDevice, type SimOnvifDevice } from '../../main/sim-onvif/index.ts';
import { waitFor } from './helpers/wait-for.ts';

const THREE_HOURS = 3 * 3600_000;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function subscribe(device: SimOnvifDevice, options: { terminationSeconds?: number; timeoutMs?: number } = {}) {
  const session = await connectDevice({ xaddr: device.xaddr, username: 'admin', password: 'admin123', timeoutMs: options.timeoutMs ?? 1000 });
  const events: CameraEvent[] = [];
  const statuses: PullPointStatus[] = [];
  const subscriber: PullPointSubscriber = startPullPointSubscriber(session, {
    onEvent: (event) => events.push(event),
    onStatus: (status) => statuses.push(status),
    terminationSeconds: options.terminationSeconds ?? 60,
    pullTimeoutSeconds: 1,
    retryDelayMs: 100,
    maxRetryDelayMs: 400,
  });
  cleanups.push(() => subscriber.stop());
  await waitFor(() => subscriber.stats.created === 1, 'the first subscription');
  return { subscriber, events, statuses };
}

async function simDevice(options: Parameters<typeof startSimOnvifDevice>[0] = {}) {
  const device = await startSimOnvifDevice({ discovery: false, ...options });
  cleanups.push(() => device.stop());
  return device;
}

const changed = (events: CameraEvent[], kind: CameraEvent['kind'], state: boolean) =>
  events.filter((e) => !e.initial && e.kind === kind && e.state === state);

describe('pull-point events', () => {
  it('delivers motion and tamper raised by the device, on our clock', async () => {
    const device = await simDevice({ clockOffsetMs: THREE_HOURS });
    const { events } = await subscribe(device);
    // Right after subscribing the device reports current states.
    await waitFor(() => events.some((e) => e.initial), 'the initial state messages');

    device.raiseEvent('motion', true);
    await waitFor(() => changed(events, 'motion', true).length === 1, 'motion on');
    device.raiseEvent('motion', false);
    device.raiseEvent('tamper', true);
    await waitFor(() => changed(events, 'tamper', true).length === 1, 'tamper on');

    const motion = changed(events, 'motion', true)[0];
    expect(motion.topic).toBe('RuleEngine/CellMotionDetector/Motion');
    expect(motion.source).toContain('Rule=MyMotionDetectorRule');
    expect(Math.abs(motion.time - Date.now())).toBeLessThan(3000);
    expect(Math.abs(motion.cameraTime! - motion.time - THREE_HOURS)).toBeLessThan(3000);
    expect(changed(events, 'motion', false)).toHaveLength(1);
    expect(changed(events, 'tamper', true)[0].topic).toBe('VideoSource/GlobalSceneChange/ImagingService');
  });

  it('survives a device restart: re-subscribes and keeps delivering', async () => {
    const device = await simDevice();
    const { subscriber, events, statuses } = await subscribe(device);
    const port = device.port;

    await device.restart(300);
    expect(device.port).toBe(port);
    await waitFor(() => subscriber.stats.created === 2, 'a new subscription after the restart');
    expect(statuses.some((s) => s.state === 'lost')).toBe(true);

    device.raiseEvent('motion', true);
    await waitFor(() => changed(events, 'motion', true).length === 1, 'motion after the restart');
  });

  it('re-subscribes when the device forgets the subscription but stays up', async () => {
    const device = await simDevice();
    const { subscriber, events, statuses } = await subscribe(device);
    device.forgetSubscriptions();
    await waitFor(() => subscriber.stats.created === 2, 'a new subscription');
    expect(statuses.find((s) => s.state === 'lost')).toMatchObject({ error: { code: 'SENDER_FAULT' } });
    device.raiseEvent('tamper', true);
    await waitFor(() => changed(events, 'tamper', true).length === 1, 'tamper on the new subscription');
  });

  it('renews before expiry with short termination times, and unsubscribes on stop', async () => {
    const device = await simDevice();
    const { subscriber, events } = await subscribe(device, { terminationSeconds: 2, timeoutMs: 500 });
    // Four seconds is two lifetimes: without renewals the subscription would have died twice.
    await new Promise((resolve) => setTimeout(resolve, 4000));
    expect(subscriber.stats.created).toBe(1);
    expect(subscriber.stats.failures).toBe(0);
    expect(device.pullPointStats.renewed).toBeGreaterThanOrEqual(2);

    device.raiseEvent('motion', true);
    await waitFor(() => changed(events, 'motion', true).length === 1, 'motion on the renewed subscription');

    await subscriber.stop();
    expect(device.pullPointStats.unsubscribed).toBe(1);
    expect(device.activeSubscriptions()).toBe(0);
  }, 10_000);

  it('a device without events service is reported, not retried silently', async () => {
    const device = await simDevice({ noEvents: true });
    const session = await connectDevice({ xaddr: device.xaddr, username: 'admin', password: 'admin123' });
    const statuses: PullPointStatus[] = [];
    const subscriber = startPullPointSubscriber(session, { onEvent: () => undefined, onStatus: (s) => statuses.push(s), retryDelayMs: 50 });
    await waitFor(() => statuses.length > 0, 'a status');
    await subscriber.stop();
    expect(statuses[0]).toMatchObject({ state: 'lost', error: { code: 'NO_EVENTS_SERVICE' } });
  });
});

describe('parseNotification (vendor variants)', () => {
  const now = Date.UTC(2026, 10, 1, 12, 0, 0);
  const message = (topic: string, data: string, utc = new Date(now).toISOString(), operation = 'Changed') =>
    parseXml(
      '<wsnt:NotificationMessage xmlns:wsnt="http://docs.oasis-open.org/wsn/b-2" xmlns:tt="http://www.onvif.org/ver10/schema" ' +
        'xmlns:tns1="http://www.onvif.org/ver10/topics" xmlns:tnsaxis="http://www.axis.com/2009/event/topics">' +
        `<wsnt:Topic Dialect="x">${topic}</wsnt:Topic><wsnt:Message><tt:Message UtcTime="${utc}" PropertyOperation="${operation}">` +
        `<tt:Source><tt:SimpleItem Name="VideoSourceToken" Value="vs1"/></tt:Source><tt:Data>${data}</tt:Data></tt:Message></wsnt:Message>` +
        '</wsnt:NotificationMessage>',
    );
  const item = (name: string, value: string) => `<tt:SimpleItem Name="${name}" Value="${value}"/>`;

  it.each([
    ['tns1:RuleEngine/CellMotionDetector/Motion', item('IsMotion', 'true'), 'motion', true],
    ['tns1:VideoSource/MotionAlarm', item('State', 'false'), 'motion', false],
    ['tns1:RuleEngine/MotionRegionDetector/Motion', item('State', '1'), 'motion', true],
    ['tnsaxis:VideoSource/tnsaxis:MotionAlarm', item('active', '1'), 'motion', true],
    ['tns1:VideoSource/GlobalSceneChange/ImagingService', item('State', 'true'), 'tamper', true],
    ['tns1:RuleEngine/TamperDetector/Tamper', item('IsTamper', 'false'), 'tamper', false],
    ['tns1:VideoSource/ImageTooBlurry/AnalyticsService', item('State', 'true'), 'tamper', true],
  ] as const)('%s → %s', (topic, data, kind, state) => {
    expect(parseNotification(message(topic, data), 0, now)).toMatchObject({ kind, state, time: now, source: 'VideoSourceToken=vs1' });
  });

  it('ignores other topics and unreadable states', () => {
    expect(parseNotification(message('tns1:Device/Trigger/DigitalInput', item('LogicalState', 'true')), 0, now)).toBeUndefined();
    expect(parseNotification(message('tns1:VideoSource/MotionAlarm', item('State', 'maybe')), 0, now)).toBeUndefined();
  });

  it('corrects camera time by the clock offset, and distrusts a wild camera clock', () => {
    const ahead = new Date(now + THREE_HOURS).toISOString();
    expect(parseNotification(message('tns1:VideoSource/MotionAlarm', item('State', 'true'), ahead), THREE_HOURS, now)?.time).toBe(now);
    const wild = parseNotification(message('tns1:VideoSource/MotionAlarm', item('State', 'true'), '1970-01-01T00:00:00Z'), 0, now);
    expect(wild?.time).toBe(now);
    expect(parseNotification(message('tns1:VideoSource/MotionAlarm', item('State', 'true'), undefined, 'Initialized'), 0, now)?.initial).toBe(true);
  });
});
