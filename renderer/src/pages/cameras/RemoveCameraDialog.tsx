/**
 * Removing a camera deletes its footage: the confirmation says so in plain
 * words, with how much, and focus starts on Cancel so a stray Enter is harmless.
 */
import { useState } from 'react';
import type { Camera } from '../../../../preload/api.ts';
import { api } from '../../api/index.ts';
import { Dialog } from '../../forms/Dialog.tsx';
import { FormError } from '../../forms/Field.tsx';
import { formatBytes, formatCount, formatMoment } from '../../forms/format.ts';

export function RemoveCameraDialog({ camera, onClose, onRemoved }: { camera: Camera; onClose: () => void; onRemoved: (camera: Camera) => void }): React.JSX.Element {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const { segments, bytes, oldestStart } = camera.storage;

  const remove = async () => {
    setBusy(true);
    setError(null);
    const r = await api.removeCamera({ id: camera.id });
    setBusy(false);
    if (r.ok) onRemoved(camera);
    else setError(r.error.message);
  };

  return (
    <Dialog title={`Remove ${camera.name}?`} onClose={onClose} size="small" role="alertdialog">
      <div className="kwf-form">
        <p className="kwc-confirm-text">
          Recording stops and{' '}
          {segments > 0 ? (
            <>
              <strong>all of this camera's footage will be deleted</strong> — {formatCount(segments, 'segment')} ({formatBytes(bytes)})
              {oldestStart !== null && <> going back to {formatMoment(oldestStart)}</>}.
            </>
          ) : (
            <>its settings are deleted. It has no footage yet.</>
          )}
        </p>
        <p className="kwc-confirm-text kwc-muted">This cannot be undone.</p>
        <FormError message={error} />
        <div className="kwf-actions">
          <button type="button" className="kwf-btn kwf-btn--ghost" onClick={onClose} data-autofocus>
            Cancel
          </button>
          <button type="button" className="kwf-btn kwf-btn--danger" onClick={remove} disabled={busy}>
            {busy ? 'Removing…' : segments > 0 ? 'Remove and delete footage' : 'Remove camera'}
          </button>
        </div>
      </div>
    </Dialog>
  );
}
