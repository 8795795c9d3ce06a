/**
 * The camera form, shared by "Add camera" (RTSP URL tab) and "Edit camera".
 * Enter submits; the API's messages appear under the field they are about.
 */
import { useState } from 'react';
import type { ApiError, Camera } from '../../../../preload/api.ts';
import { FieldTag, FormError, TextField } from '../../forms/Field.tsx';
import { NO_ERRORS, splitApiError, type FormErrors } from '../../forms/api-errors.ts';
import { useFocusInvalid } from '../../forms/use-focus-invalid.ts';
import { fieldForApiPath, localProblems, type CameraField, type CameraFormValues } from './camera-form-model.ts';

export interface CameraFormProps {
  initial: CameraFormValues;
  /** The camera being edited; absent when adding. */
  camera?: Camera;
  submitLabel: string;
  busyLabel: string;
  /** Sends the values; resolves with the API's error, or null when it worked. */
  onSubmit: (values: CameraFormValues) => Promise<ApiError | null>;
  onCancel: () => void;
}

export function CameraForm({ initial, camera, submitLabel, busyLabel, onSubmit, onCancel }: CameraFormProps): React.JSX.Element {
  const [values, setValues] = useState(initial);
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [busy, setBusy] = useState(false);
  const { formRef, focusInvalidNext } = useFocusInvalid(errors);

  const set = (field: CameraField) => (value: string) => {
    setValues((v) => ({ ...v, [field]: value }));
    // A field's error goes once it is edited; the server will judge it again.
    if (errors.fields[field]) {
      setErrors((e) => {
        const { [field]: _gone, ...rest } = e.fields;
        return { ...e, fields: rest };
      });
    }
  };

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (busy) return;
    const local = localProblems(values);
    if (Object.keys(local).length) {
      focusInvalidNext();
      setErrors({ fields: local as Record<string, string>, general: null });
      return;
    }
    setBusy(true);
    setErrors(NO_ERRORS);
    const error = await onSubmit(values);
    setBusy(false);
    if (error) {
      focusInvalidNext();
      setErrors(splitApiError(error, fieldForApiPath));
    }
  };

  const testPattern = camera?.source === 'test-pattern';
  const saved = camera?.hasCredentials ? <FieldTag tone="ok">saved</FieldTag> : undefined;
  return (
    <form ref={formRef} className="kwf-form" onSubmit={submit} noValidate aria-busy={busy}>
      <div className="kwf-grid">
        <TextField
          className="kwf-span-2"
          label="Name"
          name="name"
          value={values.name}
          onChange={set('name')}
          error={errors.fields.name}
          placeholder="Front door"
          autoFocus
          required
        />

        <p className="kwf-section-label kwf-span-2">Streams</p>
        <TextField
          className="kwf-span-2"
          label="Main stream URL"
          name="mainUrl"
          value={values.mainUrl}
          onChange={set('mainUrl')}
          error={errors.fields.mainUrl}
          hint={
            testPattern
              ? 'The built-in demo pattern. Type an rtsp:// URL to record a real camera instead.'
              : 'The full-resolution stream that is recorded. rtsp:// or rtsps://'
          }
          placeholder="rtsp://192.168.1.20:554/stream1"
          inputMode="url"
          monospace
          required
        />
        <TextField
          className="kwf-span-2"
          label="Sub stream URL"
          tag={<FieldTag>optional</FieldTag>}
          name="subUrl"
          value={values.subUrl}
          onChange={set('subUrl')}
          error={errors.fields.subUrl}
          hint="A low-resolution stream for the live grid; saves a lot of CPU with many cameras."
          placeholder="rtsp://192.168.1.20:554/stream2"
          inputMode="url"
          monospace
        />

        <p className="kwf-section-label kwf-span-2">Sign-in</p>
        <TextField
          label="Username"
          tag={saved}
          name="username"
          value={values.username}
          onChange={set('username')}
          error={errors.fields.username}
          placeholder={camera?.hasCredentials ? 'unchanged' : 'admin'}
          autoComplete="off"
        />
        <TextField
          label="Password"
          tag={saved}
          name="password"
          type="password"
          value={values.password}
          onChange={set('password')}
          error={errors.fields.password}
          placeholder={camera?.hasCredentials ? 'unchanged' : ''}
          autoComplete="new-password"
        />
        <p className="kwf-field__hint kwf-span-2 kwf-hint-tight">
          {camera?.hasCredentials
            ? 'Saved credentials are never shown. Leave these empty to keep them; type new ones to replace them.'
            : 'Stored encrypted on this machine and never shown again. Credentials in the URL (rtsp://user:pass@…) are moved here.'}
        </p>

        <p className="kwf-section-label kwf-span-2">Retention</p>
        <TextField
          label="Keep footage for at most"
          name="maxAgeDays"
          value={values.maxAgeDays}
          onChange={set('maxAgeDays')}
          error={errors.fields.maxAgeDays}
          placeholder="no limit"
          inputMode="decimal"
          suffix="days"
        />
        <p className="kwf-field__hint kwf-retention-hint">
          Empty keeps footage until the disk budget or free-space floor needs the room; the oldest goes first.
        </p>
        <TextField
          label="Keep footage around events for"
          name="eventsMaxAgeDays"
          value={values.eventsMaxAgeDays}
          onChange={set('eventsMaxAgeDays')}
          error={errors.fields.eventsMaxAgeDays}
          placeholder="as the rest"
          inputMode="decimal"
          suffix="days"
        />
        <p className="kwf-field__hint kwf-retention-hint">
          Footage with motion, a detected object or a camera event can stay longer than the rest: set more days here than above.
        </p>
      </div>

      <FormError message={errors.general} />

      <div className="kwf-actions">
        <span className="kwf-actions__note" aria-hidden="true">
          Enter to {camera ? 'save' : 'add'} · Esc to cancel
        </span>
        <button type="button" className="kwf-btn kwf-btn--ghost" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="kwf-btn kwf-btn--primary" disabled={busy}>
          {busy ? busyLabel : submitLabel}
        </button>
      </div>
    </form>
  );
}
