/**
 * "Add camera": two ways in. Find on network (ONVIF) scans the LAN (see
 * OnvifFindPanel, the slot for issue 3); RTSP URL takes the stream address
 * directly. Either way the dialog closes only once the API has added the
 * camera, and the list then shows what the server says about it.
 */
import { useState } from 'react';
import type { Camera } from '../../../../preload/api.ts';
import { api } from '../../api/index.ts';
import { Dialog } from '../../forms/Dialog.tsx';
import { Tabs } from '../../forms/Tabs.tsx';
import { CameraForm } from './CameraForm.tsx';
import { EMPTY_CAMERA_FORM, toAddInput } from './camera-form-model.ts';
import { ONVIF_FIND_AVAILABLE, OnvifFindPanel } from './OnvifFindPanel.tsx';

type AddTab = 'onvif' | 'rtsp';

export function AddCameraDialog({ onClose, onAdded }: { onClose: () => void; onAdded: (camera: Camera) => void }): React.JSX.Element {
  const [tab, setTab] = useState<AddTab>(ONVIF_FIND_AVAILABLE ? 'onvif' : 'rtsp');
  return (
    <Dialog title="Add camera" subtitle="Keepwatch starts recording as soon as the camera is added." onClose={onClose} size="large">
      <Tabs<AddTab>
        label="How to add the camera"
        selected={tab}
        onSelect={setTab}
        tabs={[
          { key: 'onvif', label: 'Find on network (ONVIF)', badge: ONVIF_FIND_AVAILABLE ? undefined : 'soon' },
          { key: 'rtsp', label: 'RTSP URL' },
        ]}
      >
        {tab === 'onvif' ? (
          <OnvifFindPanel onAdded={onAdded} onUseRtsp={() => setTab('rtsp')} />
        ) : (
          <CameraForm
            initial={EMPTY_CAMERA_FORM}
            submitLabel="Add camera"
            busyLabel="Adding…"
            onCancel={onClose}
            onSubmit={async (values) => {
              const r = await api.addCamera(toAddInput(values));
              if (!r.ok) return r.error;
              onAdded(r.value);
              return null;
            }}
          />
        )}
      </Tabs>
    </Dialog>
  );
}
