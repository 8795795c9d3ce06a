import type { OnvifDeviceInfo } from '../../../preload/api.ts';

/** The identity rows every device view shows (inside a `<dl className="kwo-facts">`). */
export function DeviceFactRows({ device }: { device: OnvifDeviceInfo }): React.JSX.Element {
  return (
    <>
      <dt>Maker</dt>
      <dd>{device.manufacturer || '—'}</dd>
      <dt>Model</dt>
      <dd>{device.model || '—'}</dd>
      <dt>Firmware</dt>
      <dd>{device.firmware || '—'}</dd>
      <dt>Serial</dt>
      <dd className="kwo-mono">{device.serial || '—'}</dd>
    </>
  );
}
