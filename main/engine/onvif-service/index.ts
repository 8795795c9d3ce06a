/** ONVIF wired into the engine (see README.md). The protocol itself is ../onvif/. */
export { OnvifService, type OnvifServiceOptions, type OnvifServiceDeps } from './onvif-service.ts';
export type { DiscoverySettings } from './camera-discovery.ts';
export { findAddedCamera } from './camera-discovery.ts';
export { createSnapshotRoute } from './snapshot-route.ts';
