/**
 * Keepwatch's ONVIF client: discovery, onboarding, PTZ and camera events.
 * Pure protocol code — no database, no HTTP routes, no electron. See README.md.
 */
export { OnvifError, isOnvifError, AUTH_FAILED_MESSAGE, type OnvifErrorCode } from './errors.ts';

export {
  discoverDevices,
  listProbeInterfaces,
  type DiscoverOptions,
  type DiscoveryResult,
  type DiscoveredDevice,
  type InterfaceReport,
  type ProbeInterface,
} from './discovery.ts';
export { parseProbeTargets, MAX_UNICAST_TARGETS, type ProbeTarget } from './probe-targets.ts';

export { onboardDevice, type OnboardOptions, type OnboardResult, type OnboardedProfile, type ChosenStream } from './onboard.ts';
export {
  connectDevice,
  getDeviceInformation,
  getServiceAddresses,
  getSystemDateAndTime,
  measureClockOffset,
  type ConnectOptions,
  type DeviceInformation,
  type CameraClock,
} from './device.ts';
export type { OnvifSession, ServiceAddresses } from './session.ts';
export { getProfiles, getStreamUri, getSnapshotUri } from './media.ts';
export { fetchSnapshot, type Snapshot, type SnapshotOptions } from './snapshot.ts';
export { chooseProfiles, type MediaProfile, type ProfileChoice, type VideoEncoding } from './profiles.ts';

export {
  continuousMove,
  stopMove,
  zoom,
  gotoPreset,
  setPreset,
  removePreset,
  gotoHomePosition,
  getPresets,
  type PtzSpeed,
  type PtzPreset,
} from './ptz.ts';

export {
  createPullPointSubscription,
  pullMessages,
  renewSubscription,
  unsubscribe,
  type PullPointSubscription,
  type PullResult,
} from './events.ts';
export { parseNotification, type CameraEvent, type CameraEventKind } from './event-topics.ts';
export {
  startPullPointSubscriber,
  type PullPointOptions,
  type PullPointStatus,
  type PullPointStats,
  type PullPointSubscriber,
} from './pull-point.ts';

export { parseXml, DEFAULT_XML_LIMITS, type XmlElement, type XmlLimits } from './xml.ts';
export { soapCall, type SoapEndpoint } from './soap.ts';
export { passwordDigest, usernameTokenHeader, type Credentials } from './wsse.ts';
export { checkCameraUrl } from './urls.ts';
