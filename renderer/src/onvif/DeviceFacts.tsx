import type { OnvifDeviceInfo } from '../../../preload/api.ts';
import { clockOffsetText } from './find-model.ts';

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

/** The camera clock's offset from ours, when it is off enough to mention (it is compensated either way). */
export function ClockFactRow({ offsetMs }: { offsetMs: number }): React.JSX.Element | null {
  const clock = clockOffsetText(offsetMs);
  if (!clock) return null;
  return (
    <>
      <dt>Clock</dt>
      <dd>{clock} — compensated</dd>
    </>
  );
}
