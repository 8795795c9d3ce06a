/**
 * Events service, pull-point flavour (WS-BaseNotification over plain HTTP
 * requests from us, so it works through NAT and firewalls, unlike Notify
 * callbacks): create a subscription, pull messages, renew, unsubscribe.
 * The long-running loop built on these lives in pull-point.ts.
 */
import { OnvifError } from './errors.ts';
import { parseNotification, type CameraEvent } from './event-topics.ts';
import { endpointFor, type OnvifSession } from './session.ts';
import { soapCall } from './soap.ts';
import { rebaseServiceUrl } from './urls.ts';
import { child, findAll, serializeXml, textOf, type XmlElement } from './xml.ts';

const ACTIONS = {
  create: 'http://www.onvif.org/ver10/events/wsdl/EventPortType/CreatePullPointSubscriptionRequest',
  pull: 'http://www.onvif.org/ver10/events/wsdl/PullPointSubscription/PullMessagesRequest',
  renew: 'http://docs.oasis-open.org/wsn/bw-2/SubscriptionManager/RenewRequest',
  unsubscribe: 'http://docs.oasis-open.org/wsn/bw-2/SubscriptionManager/UnsubscribeRequest',
};

const MAX_NOTIFICATIONS_PER_PULL = 256;
const MAX_REFERENCE_PARAMETERS_CHARS = 4096;

export interface PullPointSubscription {
  /** Where to pull, renew and unsubscribe (rebased onto the device's host). */
  address: string;
  /** WS-Addressing ReferenceParameters the camera wants echoed in every header. */
  referenceParametersXml: string;
  /** Local epoch ms at which the camera will drop the subscription. */
  expiresAt: number;
}

function eventsUrl(session: OnvifSession): string {
  if (!session.services.events) throw new OnvifError('NO_EVENTS_SERVICE', 'This camera does not report events (it has no events service)');
  return session.services.events;
}

/** ONVIF durations we send: whole seconds. */
function duration(seconds: number): string {
  return `PT${Math.max(1, Math.round(seconds))}S`;
}

/**
 * Remaining lifetime from the camera's CurrentTime/TerminationTime pair. Using
 * the difference of two camera times makes it independent of how far the
 * camera's clock is from ours. Undefined when missing or absurd.
 */
function lifetimeMs(response: XmlElement | undefined): number | undefined {
  const termination = Date.parse(textOf(child(response, 'TerminationTime')) ?? '');
  const current = Date.parse(textOf(child(response, 'CurrentTime')) ?? '');
  const lifetime = termination - current;
  return Number.isFinite(lifetime) && lifetime > 0 && lifetime <= 24 * 3600_000 ? lifetime : undefined;
}

export async function createPullPointSubscription(
  session: OnvifSession,
  terminationSeconds: number,
  signal?: AbortSignal,
): Promise<PullPointSubscription> {
  const url = eventsUrl(session);
  const body = await soapCall(
    endpointFor(session, url, { signal }),
    `<tev:CreatePullPointSubscription><tev:InitialTerminationTime>${duration(terminationSeconds)}</tev:InitialTerminationTime></tev:CreatePullPointSubscription>`,
    { action: ACTIONS.create },
  );
  const response = child(body, 'CreatePullPointSubscriptionResponse');
  const reference = child(response, 'SubscriptionReference');
  const address = rebaseServiceUrl(textOf(child(reference, 'Address')), new URL(session.deviceUrl));
  if (!address) throw new OnvifError('BAD_RESPONSE', 'The camera created an event subscription without a usable address');
  const parameters = child(reference, 'ReferenceParameters');
  const referenceParametersXml = parameters ? parameters.children.map((c) => serializeXml(c)).join('') : '';
  if (referenceParametersXml.length > MAX_REFERENCE_PARAMETERS_CHARS) {
    throw new OnvifError('BAD_RESPONSE', 'The camera asked us to echo oversized subscription parameters');
  }
  return { address, referenceParametersXml, expiresAt: Date.now() + (lifetimeMs(response) ?? terminationSeconds * 1000) };
}

export interface PullResult {
  events: CameraEvent[];
  /** Some cameras extend the subscription on every pull; this is the new local expiry when they say so. */
  expiresAt?: number;
}

export async function pullMessages(
  session: OnvifSession,
  subscription: PullPointSubscription,
  options: { timeoutSeconds: number; messageLimit: number; signal?: AbortSignal },
): Promise<PullResult> {
  const body = await soapCall(
    // The camera may hold the request for up to timeoutSeconds before answering.
    endpointFor(session, subscription.address, {
      signal: options.signal,
      timeoutMs: session.timeoutMs + options.timeoutSeconds * 1000,
    }),
    `<tev:PullMessages><tev:Timeout>${duration(options.timeoutSeconds)}</tev:Timeout><tev:MessageLimit>${options.messageLimit}</tev:MessageLimit></tev:PullMessages>`,
    { action: ACTIONS.pull, headerXml: subscription.referenceParametersXml },
  );
  const receivedAt = Date.now();
  const response = child(body, 'PullMessagesResponse');
  if (!response) throw new OnvifError('BAD_RESPONSE', 'The camera answered PullMessages without messages');
  const events: CameraEvent[] = [];
  for (const notification of findAll(response, 'NotificationMessage').slice(0, MAX_NOTIFICATIONS_PER_PULL)) {
    const event = parseNotification(notification, session.clockOffsetMs, receivedAt);
    if (event) events.push(event);
  }
  const lifetime = lifetimeMs(response);
  return lifetime === undefined ? { events } : { events, expiresAt: receivedAt + lifetime };
}

/** Extends the subscription; returns the new local expiry. */
export async function renewSubscription(
  session: OnvifSession,
  subscription: PullPointSubscription,
  terminationSeconds: number,
  signal?: AbortSignal,
): Promise<number> {
  const body = await soapCall(
    endpointFor(session, subscription.address, { signal }),
    `<wsnt:Renew><wsnt:TerminationTime>${duration(terminationSeconds)}</wsnt:TerminationTime></wsnt:Renew>`,
    { action: ACTIONS.renew, headerXml: subscription.referenceParametersXml },
  );
  return Date.now() + (lifetimeMs(child(body, 'RenewResponse')) ?? terminationSeconds * 1000);
}

export async function unsubscribe(session: OnvifSession, subscription: PullPointSubscription, signal?: AbortSignal): Promise<void> {
  await soapCall(endpointFor(session, subscription.address, { signal }), '<wsnt:Unsubscribe/>', {
    action: ACTIONS.unsubscribe,
    headerXml: subscription.referenceParametersXml,
  });
}
