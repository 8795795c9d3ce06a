/**
 * A "Device" button for an ONVIF camera's row that opens its device panel
 * (picture, device info, profiles, PTZ) in a dialog. Self-contained, so the
 * Cameras page mounts it with one line.
 */
import { useState } from 'react';
import type { Camera } from '../../../preload/api.ts';
import { Dialog } from '../forms/Dialog.tsx';
import { OnvifCameraPanel } from './OnvifCameraPanel.tsx';

export function OnvifDetailsButton({ camera }: { camera: Camera }): React.JSX.Element | null {
  const [open, setOpen] = useState(false);
  if (camera.source !== 'onvif') return null;
  return (
    <>
      <button type="button" className="kwf-btn kwf-btn--small kwf-btn--ghost" onClick={() => setOpen(true)} aria-label={`Device and PTZ for ${camera.name}`} data-testid="onvif-details">
        Device
      </button>
      {open && (
        <Dialog title={camera.name} subtitle="ONVIF device, streams and controls" onClose={() => setOpen(false)} size="large">
          <OnvifCameraPanel camera={camera} />
        </Dialog>
      )}
    </>
  );
}
