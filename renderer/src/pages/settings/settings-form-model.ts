/**
 * The recording settings form: what it holds, how it is checked, and the patch
 * it sends. Pure, tested in tests/ui/forms.test.ts. Sizes are typed in GB
 * (SI units, like every size the UI shows: preload/format-bytes.ts) and sent as whole bytes.
 */
import type { Settings, UpdateSettingsInput } from '../../../../preload/api.ts';
import { GB, bytesToGbText } from '../../forms/format.ts';

export interface SettingsFormValues {
  /** "none": only the free-space floor limits footage. */
  budgetMode: 'none' | 'limit';
  budgetGb: string;
  floorGb: string;
  segmentSeconds: string;
  /** The maximised live view may open a second camera connection (Settings.lowLatencyLive). */
  lowLatencyLive: boolean;
}

export type SettingsField = 'budgetGb' | 'floorGb' | 'segmentSeconds';

export function formValuesOf(s: Settings): SettingsFormValues {
  return {
    budgetMode: s.diskBudgetBytes === null ? 'none' : 'limit',
    budgetGb: s.diskBudgetBytes === null ? '' : bytesToGbText(s.diskBudgetBytes),
    floorGb: bytesToGbText(s.freeSpaceFloorBytes),
    segmentSeconds: String(s.segmentSeconds),
    lowLatencyLive: s.lowLatencyLive,
  };
}

export function problemsOf(v: SettingsFormValues): Partial<Record<SettingsField, string>> {
  const problems: Partial<Record<SettingsField, string>> = {};
  if (v.budgetMode === 'limit') {
    const gb = number(v.budgetGb);
    if (gb === null) problems.budgetGb = 'enter the budget in GB, e.g. 500';
    else if (gb <= 0 || Math.round(gb * GB) < 1) problems.budgetGb = 'the budget must be more than 0 GB (or choose "No budget")';
  }
  const floor = number(v.floorGb);
  if (floor === null) problems.floorGb = 'enter the free space to keep in GB, e.g. 2 (0 turns the floor off)';
  else if (floor < 0) problems.floorGb = 'the free-space floor cannot be negative';
  const seconds = number(v.segmentSeconds);
  if (seconds === null || !Number.isInteger(seconds)) problems.segmentSeconds = 'enter a whole number of seconds from 2 to 600';
  else if (seconds < 2 || seconds > 600) problems.segmentSeconds = 'segments are 2 to 600 seconds long';
  return problems;
}

/**
 * Only what changed; null when nothing did. Call after problemsOf found none.
 * A field counts as changed when its text differs from what the form showed,
 * so a size shown rounded ("0.11" GB) is never sent back as a new value.
 */
export function toPatch(current: Settings, v: SettingsFormValues): UpdateSettingsInput | null {
  const shown = formValuesOf(current);
  const patch: UpdateSettingsInput = {};
  if (v.budgetMode !== shown.budgetMode || (v.budgetMode === 'limit' && v.budgetGb.trim() !== shown.budgetGb)) {
    const budget = v.budgetMode === 'none' ? null : Math.round(number(v.budgetGb)! * GB);
    if (budget !== current.diskBudgetBytes) patch.diskBudgetBytes = budget;
  }
  if (v.floorGb.trim() !== shown.floorGb) {
    const floor = Math.round(number(v.floorGb)! * GB);
    if (floor !== current.freeSpaceFloorBytes) patch.freeSpaceFloorBytes = floor;
  }
  if (v.segmentSeconds.trim() !== shown.segmentSeconds) {
    const seconds = number(v.segmentSeconds)!;
    if (seconds !== current.segmentSeconds) patch.segmentSeconds = seconds;
  }
  if (v.lowLatencyLive !== current.lowLatencyLive) patch.lowLatencyLive = v.lowLatencyLive;
  return Object.keys(patch).length ? patch : null;
}

/** The API's field path → this form's field. */
export function fieldForApiPath(path: string): SettingsField | null {
  return API_FIELDS[path] ?? null;
}

const API_FIELDS: Record<string, SettingsField> = { diskBudgetBytes: 'budgetGb', freeSpaceFloorBytes: 'floorGb', segmentSeconds: 'segmentSeconds' };

/** A number as people type it ("1.5", "1,5"); null when it is not one. */
function number(text: string): number | null {
  const t = text.trim().replace(',', '.');
  if (!t) return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}
