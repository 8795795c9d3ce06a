/**
 * The global recording settings: disk budget, free-space floor, segment
 * length, low-latency live view. Checked here first for a quick answer, then by the API, whose
 * messages land under the field they are about. Saves only what changed.
 */
import { useEffect, useState } from 'react';
import type { Settings } from '../../../../preload/api.ts';
import { api } from '../../api/index.ts';
import { FormError, TextField } from '../../forms/Field.tsx';
import { NO_ERRORS, splitApiError, type FormErrors } from '../../forms/api-errors.ts';
import { useFocusInvalid } from '../../forms/use-focus-invalid.ts';
import { GB, formatBytes } from '../../forms/format.ts';
import { fieldForApiPath, formValuesOf, problemsOf, toPatch, type SettingsFormValues } from './settings-form-model.ts';

export function SettingsForm({ settings, totalBytes, onSaved }: {
  settings: Settings;
  /** Size of the recordings volume, for hints. */
  totalBytes: number | null;
  onSaved: (settings: Settings) => void;
}): React.JSX.Element {
  const [values, setValues] = useState<SettingsFormValues>(() => formValuesOf(settings));
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const { formRef, focusInvalidNext } = useFocusInvalid(errors);
  const [busy, setBusy] = useState(false);
  const [savedAt, setSavedAt] = useState<number | null>(null);

  const valid = Object.keys(problemsOf(values)).length === 0;
  const dirty = !valid || toPatch(settings, values) !== null;

  // Settings changed elsewhere while the form is untouched: show the new truth.
  // Keyed on the content, not the object, which is new after every fetch.
  const key = JSON.stringify(settings);
  useEffect(() => {
    if (!dirty) setValues(formValuesOf(settings));
  }, [key]);

  const reset = () => {
    setValues(formValuesOf(settings));
    setErrors(NO_ERRORS);
  };

  const set = <K extends keyof SettingsFormValues>(field: K) => (value: SettingsFormValues[K]) => {
    setValues((v) => ({ ...v, [field]: value }));
    setSavedAt(null);
    if (field in errors.fields) {
      setErrors((e) => {
        const { [field as string]: _gone, ...rest } = e.fields;
        return { ...e, fields: rest };
      });
    }
  };

  const submit = async (e: React.FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    if (busy) return;
    const problems = problemsOf(values);
    if (Object.keys(problems).length) {
      focusInvalidNext();
      setErrors({ fields: problems as Record<string, string>, general: null });
      return;
    }
    const patch = toPatch(settings, values);
    if (!patch) return;
    setBusy(true);
    setErrors(NO_ERRORS);
    const r = await api.updateSettings(patch);
    setBusy(false);
    if (!r.ok) {
      focusInvalidNext();
      setErrors(splitApiError(r.error, fieldForApiPath));
      return;
    }
    setValues(formValuesOf(r.value));
    setSavedAt(Date.now());
    onSaved(r.value);
  };

  const budgetBytes = values.budgetMode === 'limit' ? Number(values.budgetGb) * GB : NaN;
  const budgetHint =
    totalBytes !== null && budgetBytes > totalBytes
      ? `Larger than the whole recordings volume (${formatBytes(totalBytes)}): the free-space floor will limit footage first.`
      : 'Once footage passes this size, the oldest footage goes first.';

  return (
    <section className="kws-card" aria-labelledby="kws-settings-title">
      <div className="kws-card__head">
        <h2 id="kws-settings-title" className="kws-card__title">
          Recording and retention
        </h2>
      </div>
      <form ref={formRef} className="kwf-form" onSubmit={submit} noValidate aria-busy={busy}>
        <fieldset className="kws-fieldset">
          <legend className="kwf-field__label">Disk budget</legend>
          <div className="kws-radios">
            <label className="kwf-radio">
              <input type="radio" name="budgetMode" value="none" checked={values.budgetMode === 'none'} onChange={() => set('budgetMode')('none')} />
              <span>No budget</span>
            </label>
            <label className="kwf-radio">
              <input type="radio" name="budgetMode" value="limit" checked={values.budgetMode === 'limit'} onChange={() => set('budgetMode')('limit')} />
              <span>Limit footage to</span>
            </label>
          </div>
          {values.budgetMode === 'limit' ? (
            <TextField
              label="Budget"
              name="budgetGb"
              value={values.budgetGb}
              onChange={set('budgetGb')}
              error={errors.fields.budgetGb}
              hint={budgetHint}
              placeholder="500"
              inputMode="decimal"
              suffix="GB"
              className="kws-budget-field"
            />
          ) : (
            <p className="kwf-field__hint">Footage may use the whole volume, down to the free-space floor.</p>
          )}
        </fieldset>

        <TextField
          label="Free-space floor"
          name="floorGb"
          value={values.floorGb}
          onChange={set('floorGb')}
          error={errors.fields.floorGb}
          hint="Keepwatch always leaves at least this much free on the recordings volume, deleting the oldest footage if it must. Recording never stops for a full disk."
          inputMode="decimal"
          suffix="GB"
        />
        <TextField
          label="Segment length"
          name="segmentSeconds"
          value={values.segmentSeconds}
          onChange={set('segmentSeconds')}
          error={errors.fields.segmentSeconds}
          hint="Length of each recording file, 2–600 seconds; applies from the next segment. 60 suits most setups."
          inputMode="numeric"
          suffix="s"
        />

        <div className="kwf-field">
          <label className="kwf-switch">
            <input
              type="checkbox"
              role="switch"
              name="lowLatencyLive"
              checked={values.lowLatencyLive}
              onChange={(e) => set('lowLatencyLive')(e.target.checked)}
              aria-describedby="kws-low-latency-hint"
            />
            <span>Low-latency maximised view</span>
          </label>
          <p id="kws-low-latency-hint" className="kwf-field__hint">
            A camera shown full-size gets a second connection while you watch it, so its picture is about a quarter of a second
            behind instead of half a second. Turn this off for cameras that accept only one or two clients; recording never
            depends on it.
          </p>
        </div>

        <FormError message={errors.general} />

        <div className="kwf-actions">
          <span className="kwf-actions__note" role="status">
            {savedAt ? <span className="kws-saved">✓ Saved</span> : dirty ? 'Unsaved changes' : ''}
          </span>
          <button type="button" className="kwf-btn kwf-btn--ghost" disabled={!dirty || busy} onClick={reset}>
            Reset
          </button>
          <button type="submit" className="kwf-btn kwf-btn--primary" disabled={!dirty || busy}>
            {busy ? 'Saving…' : 'Save settings'}
          </button>
        </div>
      </form>
    </section>
  );
}
