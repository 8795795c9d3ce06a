/**
 * What the camera form holds and how it becomes an API call. Pure, so the
 * rules are tested without a browser (tests/ui/forms.test.ts).
 *
 * Credentials are never returned by the API, so the edit form starts with
 * empty username and password boxes and sends them only when typed in:
 * leaving them empty keeps what is saved. Likewise only fields that changed
 * are sent on edit, so an untouched URL (say a demo camera's built-in
 * "test-pattern:1") is never re-validated as if it had been typed.
 */
import type { AddCameraInput, Camera, UpdateCameraInput } from '../../../../preload/api.ts';

export interface CameraFormValues {
  name: string;
  mainUrl: string;
  subUrl: string;
  username: string;
  password: string;
  /** Days as typed; empty = no age limit. */
  maxAgeDays: string;
  /** Days to keep footage around events, as typed; empty = like the rest. */
  eventsMaxAgeDays: string;
}

export type CameraField = keyof CameraFormValues;

export const EMPTY_CAMERA_FORM: CameraFormValues = { name: '', mainUrl: '', subUrl: '', username: '', password: '', maxAgeDays: '', eventsMaxAgeDays: '' };

export function formValuesOf(camera: Camera): CameraFormValues {
  return {
    name: camera.name,
    mainUrl: camera.mainUrl,
    subUrl: camera.subUrl ?? '',
    username: '',
    password: '',
    maxAgeDays: camera.retention.maxAgeDays === null ? '' : String(camera.retention.maxAgeDays),
    eventsMaxAgeDays: camera.retention.eventsMaxAgeDays ? String(camera.retention.eventsMaxAgeDays) : '',
  };
}

/** Problems the form can see before asking the server; the server checks everything again. */
export function localProblems(v: CameraFormValues): Partial<Record<CameraField, string>> {
  const problems: Partial<Record<CameraField, string>> = {};
  if (!v.name.trim()) problems.name = 'name is empty';
  if (!v.mainUrl.trim()) problems.mainUrl = 'URL is empty';
  const days = parseDays(v.maxAgeDays);
  if (days === 'invalid') problems.maxAgeDays = 'enter a number of days greater than 0, or leave empty for no age limit';
  else if (days !== null && days > 3650) problems.maxAgeDays = 'at most 3650 days (10 years)';
  const eventDays = parseDays(v.eventsMaxAgeDays);
  if (eventDays === 'invalid') problems.eventsMaxAgeDays = 'enter a number of days greater than 0, or leave empty to keep it like the rest';
  else if (eventDays !== null && eventDays > 3650) problems.eventsMaxAgeDays = 'at most 3650 days (10 years)';
  else if (eventDays !== null && typeof days === 'number' && eventDays <= days) {
    problems.eventsMaxAgeDays = `longer than the ${days} days above, or it changes nothing`;
  }
  return problems;
}

/** The API's field path → this form's field. */
export function fieldForApiPath(path: string): CameraField | null {
  const head = path.split('.')[0];
  if (path.startsWith('retention.eventsMaxAgeDays')) return 'eventsMaxAgeDays';
  if (head === 'retention') return 'maxAgeDays';
  return head in EMPTY_CAMERA_FORM ? (head as CameraField) : null;
}

export function toAddInput(v: CameraFormValues): AddCameraInput {
  const days = parseDays(v.maxAgeDays);
  const eventDays = parseDays(v.eventsMaxAgeDays);
  const retention = {
    ...(typeof days === 'number' ? { maxAgeDays: days } : {}),
    ...(typeof eventDays === 'number' ? { eventsMaxAgeDays: eventDays } : {}),
  };
  return {
    name: v.name.trim(),
    mainUrl: v.mainUrl.trim(),
    ...(v.subUrl.trim() ? { subUrl: v.subUrl.trim() } : {}),
    ...(v.username ? { username: v.username } : {}),
    ...(v.password ? { password: v.password } : {}),
    ...(Object.keys(retention).length ? { retention: { maxAgeDays: null, ...retention } } : {}),
  };
}

/** Only what changed; null when nothing did. */
export function toUpdateInput(camera: Camera, v: CameraFormValues): UpdateCameraInput | null {
  const before = formValuesOf(camera);
  const patch: Omit<UpdateCameraInput, 'id'> = {};
  if (v.name.trim() !== before.name) patch.name = v.name.trim();
  if (v.mainUrl.trim() !== before.mainUrl) patch.mainUrl = v.mainUrl.trim();
  if (v.subUrl.trim() !== before.subUrl) patch.subUrl = v.subUrl.trim() || null;
  if (v.username) patch.username = v.username;
  if (v.password) patch.password = v.password;
  const days = parseDays(v.maxAgeDays);
  const eventDays = parseDays(v.eventsMaxAgeDays);
  const eventsBefore = camera.retention.eventsMaxAgeDays ?? null;
  const daysChanged = days !== 'invalid' && days !== camera.retention.maxAgeDays;
  const eventsChanged = eventDays !== 'invalid' && eventDays !== eventsBefore;
  if (daysChanged || eventsChanged) {
    patch.retention = {
      maxAgeDays: days === 'invalid' ? camera.retention.maxAgeDays : days,
      ...(eventsChanged ? { eventsMaxAgeDays: eventDays as number | null } : {}),
    };
  }
  return Object.keys(patch).length ? { id: camera.id, ...patch } : null;
}

/** "" → null (no limit), "30" → 30, anything else → "invalid". */
export function parseDays(text: string): number | null | 'invalid' {
  const t = text.trim();
  if (!t) return null;
  const n = Number(t);
  return Number.isFinite(n) && n > 0 ? n : 'invalid';
}
