/**
 * The pure rules behind the Cameras and Settings forms: how API errors land
 * on fields, what the camera and settings forms send, and how sizes, spans
 * and storage facts are written for people.
 */
import { describe, it, expect } from 'vitest';
import type { Camera, Settings, StorageStatus } from '../../preload/api.ts';
import { splitApiError } from '../../renderer/src/forms/api-errors.ts';
import { GB, bytesToGbText, formatBytes, formatCodec, formatSpanDays } from '../../renderer/src/forms/format.ts';
import { EMPTY_CAMERA_FORM, fieldForApiPath, formValuesOf, localProblems, toAddInput, toUpdateInput } from '../../renderer/src/pages/cameras/camera-form-model.ts';
import * as settingsForm from '../../renderer/src/pages/settings/settings-form-model.ts';
import { earlyDeletionSentence } from '../../renderer/src/pages/settings/storage-sentences.ts';

const camera = (over: Partial<Camera> = {}): Camera => ({
  id: 7,
  name: 'Front door',
  enabled: true,
  source: 'rtsp',
  mainUrl: 'rtsp://10.0.0.5/main',
  subUrl: null,
  hasCredentials: true,
  retention: { maxAgeDays: 30 },
  status: { state: 'recording', since: 0, lastError: null, retryAt: null },
  streams: [],
  storage: { segments: 0, bytes: 0, oldestStart: null, daysKept: 0 },
  createdAt: 0,
  ...over,
});

describe('API errors on form fields', () => {
  it('puts each "path: problem" under its field and keeps the rest general', () => {
    const e = splitApiError(
      { code: 'invalid_input', message: 'mainUrl: only rtsp:// and rtsps:// URLs are accepted, not file://; name: name is empty; input: unknown field(s) "x"' },
      fieldForApiPath,
    );
    expect(e.fields).toEqual({ mainUrl: 'only rtsp:// and rtsps:// URLs are accepted, not file://', name: 'name is empty' });
    expect(e.general).toBe('input: unknown field(s) "x"');
  });

  it('maps nested paths and leaves non-input errors whole', () => {
    expect(splitApiError({ code: 'invalid_input', message: 'retention.maxAgeDays: maxAgeDays must be positive' }, fieldForApiPath).fields).toEqual({
      maxAgeDays: 'maxAgeDays must be positive',
    });
    const conflict = splitApiError({ code: 'conflict', message: 'name: "Porch" (id 3) already records rtsp://x/' }, fieldForApiPath);
    expect(conflict).toEqual({ fields: {}, general: 'name: "Porch" (id 3) already records rtsp://x/' });
  });
});

describe('camera form', () => {
  it('adds with trimmed values and leaves out what was not typed', () => {
    expect(toAddInput({ ...EMPTY_CAMERA_FORM, name: ' Porch ', mainUrl: ' rtsp://h/1 ' })).toEqual({ name: 'Porch', mainUrl: 'rtsp://h/1' });
    expect(toAddInput({ name: 'P', mainUrl: 'rtsp://h/1', subUrl: 'rtsp://h/2', username: 'u', password: 'p', maxAgeDays: '14', eventsMaxAgeDays: '' })).toEqual({
      name: 'P',
      mainUrl: 'rtsp://h/1',
      subUrl: 'rtsp://h/2',
      username: 'u',
      password: 'p',
      retention: { maxAgeDays: 14 },
    });
    // Footage around events kept longer than the rest (issue 12: continuous N days, events M days).
    expect(toAddInput({ ...EMPTY_CAMERA_FORM, name: 'P', mainUrl: 'rtsp://h/1', maxAgeDays: '7', eventsMaxAgeDays: '30' }).retention).toEqual({ maxAgeDays: 7, eventsMaxAgeDays: 30 });
    expect(toAddInput({ ...EMPTY_CAMERA_FORM, name: 'P', mainUrl: 'rtsp://h/1', eventsMaxAgeDays: '30' }).retention).toEqual({ maxAgeDays: null, eventsMaxAgeDays: 30 });
  });

  it('keeps footage around events only longer than the rest', () => {
    const ok = { ...EMPTY_CAMERA_FORM, name: 'a', mainUrl: 'x', maxAgeDays: '7' };
    expect(localProblems({ ...ok, eventsMaxAgeDays: '30' })).toEqual({});
    expect(Object.keys(localProblems({ ...ok, eventsMaxAgeDays: '5' }))).toEqual(['eventsMaxAgeDays']);
    expect(Object.keys(localProblems({ ...ok, eventsMaxAgeDays: 'x' }))).toEqual(['eventsMaxAgeDays']);
    expect(fieldForApiPath('retention.eventsMaxAgeDays')).toBe('eventsMaxAgeDays');
    const c = camera();
    expect(toUpdateInput(c, { ...formValuesOf(c), eventsMaxAgeDays: '60' })).toEqual({ id: 7, retention: { maxAgeDays: 30, eventsMaxAgeDays: 60 } });
    const withEvents = camera({ retention: { maxAgeDays: 30, eventsMaxAgeDays: 60 } });
    expect(formValuesOf(withEvents).eventsMaxAgeDays).toBe('60');
    expect(toUpdateInput(withEvents, { ...formValuesOf(withEvents), eventsMaxAgeDays: '' })).toEqual({ id: 7, retention: { maxAgeDays: 30, eventsMaxAgeDays: null } });
  });

  it('catches empty required fields and bad day counts before asking the server', () => {
    expect(localProblems(EMPTY_CAMERA_FORM)).toEqual({ name: 'name is empty', mainUrl: 'URL is empty' });
    expect(Object.keys(localProblems({ ...EMPTY_CAMERA_FORM, name: 'a', mainUrl: 'x', maxAgeDays: '-1' }))).toEqual(['maxAgeDays']);
    expect(Object.keys(localProblems({ ...EMPTY_CAMERA_FORM, name: 'a', mainUrl: 'x', maxAgeDays: '9999' }))).toEqual(['maxAgeDays']);
    // The URL itself is judged by the server only: its message is the one shown.
    expect(localProblems({ ...EMPTY_CAMERA_FORM, name: 'a', mainUrl: 'file:///etc/passwd' })).toEqual({});
  });

  it('never pre-fills credentials and sends only what changed on edit', () => {
    const c = camera();
    const values = formValuesOf(c);
    expect(values).toMatchObject({ username: '', password: '', maxAgeDays: '30' });
    expect(toUpdateInput(c, values)).toBeNull();
    expect(toUpdateInput(c, { ...values, name: 'Porch' })).toEqual({ id: 7, name: 'Porch' });
    expect(toUpdateInput(c, { ...values, password: 'new' })).toEqual({ id: 7, password: 'new' });
    expect(toUpdateInput(c, { ...values, maxAgeDays: '' })).toEqual({ id: 7, retention: { maxAgeDays: null } });
    expect(toUpdateInput(camera({ subUrl: 'rtsp://10.0.0.5/sub' }), { ...values, subUrl: '' })).toEqual({ id: 7, subUrl: null });
  });

  it('does not send back a demo camera\'s built-in URL when only the name changed', () => {
    const demo = camera({ source: 'test-pattern', mainUrl: 'test-pattern:1', subUrl: 'test-pattern:1/sub' });
    expect(toUpdateInput(demo, { ...formValuesOf(demo), name: 'Lobby' })).toEqual({ id: 7, name: 'Lobby' });
  });
});

describe('settings form', () => {
  const s: Settings = { diskBudgetBytes: 500 * GB, freeSpaceFloorBytes: 2 * GB, segmentSeconds: 60, lowLatencyLive: true };

  it('shows sizes in GB and sends whole bytes, only for what changed', () => {
    const v = settingsForm.formValuesOf(s);
    expect(v).toEqual({ budgetMode: 'limit', budgetGb: '500', floorGb: '2', segmentSeconds: '60', lowLatencyLive: true });
    expect(settingsForm.toPatch(s, v)).toBeNull();
    expect(settingsForm.toPatch(s, { ...v, budgetGb: '1.5' })).toEqual({ diskBudgetBytes: 1.5 * GB });
    expect(settingsForm.toPatch(s, { ...v, budgetMode: 'none' })).toEqual({ diskBudgetBytes: null });
    expect(settingsForm.toPatch(s, { ...v, floorGb: '0', segmentSeconds: '10' })).toEqual({ freeSpaceFloorBytes: 0, segmentSeconds: 10 });
    expect(settingsForm.toPatch(s, { ...v, lowLatencyLive: false })).toEqual({ lowLatencyLive: false });
  });

  it('does not treat a rounded size as a change', () => {
    const odd: Settings = { diskBudgetBytes: 123_456_789, freeSpaceFloorBytes: 1024, segmentSeconds: 60, lowLatencyLive: true };
    expect(settingsForm.toPatch(odd, settingsForm.formValuesOf(odd))).toBeNull();
  });

  it('explains bad values in words', () => {
    const v = settingsForm.formValuesOf(s);
    expect(settingsForm.problemsOf({ ...v, budgetGb: '0' }).budgetGb).toMatch(/more than 0 GB/);
    expect(settingsForm.problemsOf({ ...v, budgetGb: 'lots' }).budgetGb).toMatch(/enter the budget in GB/);
    expect(settingsForm.problemsOf({ ...v, budgetMode: 'none', budgetGb: 'lots' })).toEqual({});
    expect(settingsForm.problemsOf({ ...v, floorGb: '-1' }).floorGb).toMatch(/cannot be negative/);
    expect(settingsForm.problemsOf({ ...v, segmentSeconds: '1' }).segmentSeconds).toBe('segments are 2 to 600 seconds long');
    expect(settingsForm.problemsOf({ ...v, segmentSeconds: '2.5' }).segmentSeconds).toMatch(/whole number/);
    expect(settingsForm.problemsOf({ ...v, budgetGb: '1,5' })).toEqual({});
  });

  it('maps the API\'s fields onto the form\'s', () => {
    expect(settingsForm.fieldForApiPath('diskBudgetBytes')).toBe('budgetGb');
    expect(settingsForm.fieldForApiPath('segmentSeconds')).toBe('segmentSeconds');
    expect(settingsForm.fieldForApiPath('nonsense')).toBeNull();
  });
});

describe('formatting', () => {
  it('writes sizes in SI units and GB without exponents', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(340 * 1000 ** 2)).toBe('340 MB');
    expect(formatBytes(1.25 * GB)).toBe('1.25 GB');
    expect(formatBytes(12.5 * GB)).toBe('12.5 GB');
    expect(bytesToGbText(2 * GB)).toBe('2');
    expect(bytesToGbText(1)).toBe('0.000000001');
    expect(bytesToGbText(1)).not.toMatch(/e/);
  });

  it('writes spans of footage in the unit people think in', () => {
    expect(formatSpanDays(0)).toBe('under a minute');
    expect(formatSpanDays(12 / 1440)).toBe('12 min');
    expect(formatSpanDays(5.2 / 24)).toBe('5.2 hours');
    expect(formatSpanDays(3.4)).toBe('3.4 days');
    expect(formatSpanDays(41.2)).toBe('41 days');
  });

  it('names codecs as people know them', () => {
    expect(formatCodec('h264')).toBe('H.264');
    expect(formatCodec('hevc')).toBe('H.265');
    expect(formatCodec(null)).toBeNull();
  });
});

describe('early deletion sentence', () => {
  const storage = (early: StorageStatus['earlyDeletions'], budgetBytes: number | null = 50 * GB): StorageStatus => ({
    usedBytes: 0,
    budgetBytes,
    freeBytes: 0,
    totalBytes: 0,
    freeFloorBytes: 0,
    earlyDeletions: early,
    problem: null,
  });

  it('says plainly how much went early, why, and when', () => {
    const now = new Date(2026, 2, 10, 12, 0).getTime();
    const lastAt = new Date(2026, 2, 3, 14, 2).getTime();
    const text = earlyDeletionSentence(storage({ segments: 12, bytes: 340 * 1000 ** 2, lastAt }), now);
    expect(text).toMatch(/^12 segments \(340 MB\) were deleted before their age limit to stay within the disk budget and free-space floor — last on .*Mar.*3.*14:02\.$/);
    expect(earlyDeletionSentence(storage({ segments: 1, bytes: 1000, lastAt: now - 60_000 }, null), now)).toMatch(
      /^1 segment \(1 kB\) was deleted before their age limit to keep the free-space floor — last at 11:59:00\.$/,
    );
    expect(earlyDeletionSentence(storage({ segments: 0, bytes: 0, lastAt: null }), now)).toBe('No footage has been deleted before its age limit.');
  });
});
