/** "Edit camera": the same form as Add, pre-filled from the server (never with credentials). */
import type { Camera } from '../../../../preload/api.ts';
import { api } from '../../api/index.ts';
import { Dialog } from '../../forms/Dialog.tsx';
import { CameraForm } from './CameraForm.tsx';
import { formValuesOf, toUpdateInput } from './camera-form-model.ts';

export function EditCameraDialog({ camera, onClose, onSaved }: { camera: Camera; onClose: () => void; onSaved: (camera: Camera) => void }): React.JSX.Element {
  return (
    <Dialog title={`Edit ${camera.name}`} subtitle="Changing a stream URL or the sign-in reconnects the camera." onClose={onClose} size="large">
      <CameraForm
        initial={formValuesOf(camera)}
        camera={camera}
        submitLabel="Save changes"
        busyLabel="Saving…"
        onCancel={onClose}
        onSubmit={async (values) => {
          const patch = toUpdateInput(camera, values);
          if (!patch) {
            onClose(); // nothing changed: nothing to ask the server
            return null;
          }
          const r = await api.updateCamera(patch);
          if (!r.ok) return r.error;
          onSaved(r.value);
          return null;
        }}
      />
    </Dialog>
  );
}
