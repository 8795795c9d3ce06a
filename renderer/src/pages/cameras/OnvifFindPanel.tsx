/**
 * The "Find on network (ONVIF)" tab of the Add camera dialog: the scan →
 * pick → credentials → preview → confirm flow of renderer/src/onvif/.
 * `onAdded(camera)` gets the camera the API returned once it is added (the
 * dialog then closes and the list refreshes); `onUseRtsp()` sends the user to
 * the RTSP URL tab.
 */
import type { Camera } from '../../../../preload/api.ts';
import { FindCamerasFlow } from '../../onvif/FindCamerasFlow.tsx';

export const ONVIF_FIND_AVAILABLE = true;

export interface OnvifFindPanelProps {
  onAdded: (camera: Camera) => void;
  onUseRtsp: () => void;
}

export function OnvifFindPanel({ onAdded, onUseRtsp }: OnvifFindPanelProps): React.JSX.Element {
  return <FindCamerasFlow onAdded={onAdded} onUseRtsp={onUseRtsp} />;
}
