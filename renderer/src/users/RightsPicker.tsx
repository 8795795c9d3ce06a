/**
 * The four rights on one camera as toggles (Live, Playback, Export, PTZ):
 * real checkboxes, each named for a screen reader with the user and camera.
 */
import { RIGHTS, type Right } from '../../../preload/api.ts';
import { RIGHT_LABELS } from './grants-model.ts';

export function RightsPicker({ value, onToggle, who, disabled }: {
  value: ReadonlySet<Right> | undefined;
  onToggle: (right: Right, on: boolean) => void;
  /** "anna on Front door": completes each checkbox's accessible name. */
  who: string;
  disabled?: boolean;
}): React.JSX.Element {
  return (
    <div className="kwu-rights" role="group" aria-label={`Rights of ${who}`}>
      {RIGHTS.map((right) => (
        <label key={right} className="kwu-right" title={`${RIGHT_LABELS[right].label}: ${RIGHT_LABELS[right].hint}`}>
          <input
            type="checkbox"
            checked={value?.has(right) ?? false}
            onChange={(e) => onToggle(right, e.target.checked)}
            disabled={disabled}
            aria-label={`${RIGHT_LABELS[right].label} for ${who}`}
            data-right={right}
          />
          <span aria-hidden="true">{RIGHT_LABELS[right].label}</span>
        </label>
      ))}
    </div>
  );
}
