/**
 * The "Find on network (ONVIF)" tab of the Add camera dialog.
 *
 * SLOT FOR THE ONVIF WORK (issue 3): replace this panel with the scan →
 * pick → credentials → preview → confirm flow. Keep the props: call
 * `onAdded(camera)` with the camera the API returned once it is added (the
 * dialog then closes and the list refreshes), and `onUseRtsp()` to send the
 * user to the RTSP URL tab. Set ONVIF_FIND_AVAILABLE to true when the flow
 * works: the dialog then opens on this tab.
 */
import type { Camera } from '../../../../preload/api.ts';

export const ONVIF_FIND_AVAILABLE = false;

export interface OnvifFindPanelProps {
  onAdded: (camera: Camera) => void;
  onUseRtsp: () => void;
}

export function OnvifFindPanel({ onUseRtsp }: OnvifFindPanelProps): React.JSX.Element {
  return (
    <div className="kwc-onvif-soon">
      <svg viewBox="0 0 48 48" width="44" height="44" aria-hidden="true">
        <circle cx="24" cy="24" r="5" fill="currentColor" />
        <path d="M14.5 14.5a13.4 13.4 0 000 19M33.5 14.5a13.4 13.4 0 010 19M8.5 8.5a22 22 0 000 31M39.5 8.5a22 22 0 010 31" fill="none" stroke="currentColor" strokeWidth="2.4" strokeLinecap="round" />
      </svg>
      <h3>Finding cameras on your network is coming</h3>
      <p>
        Keepwatch will scan each network card for ONVIF cameras, show their maker, model and address, and set up the main and
        sub streams after you type the camera's password once.
      </p>
      <p>Until then, add a camera by its RTSP address — most cameras print it in their manual or web page.</p>
      <button type="button" className="kwf-btn kwf-btn--primary" onClick={onUseRtsp} data-autofocus>
        Add by RTSP URL
      </button>
    </div>
  );
}
