/** The simulated ONVIF device (tests and demo). See README.md. */
export {
  startSimOnvifDevice,
  DEFAULT_SIM_PROFILES,
  type SimOnvifDevice,
  type SimOnvifOptions,
  type SimProfile,
  type SimPtzCall,
} from './sim-device.ts';
