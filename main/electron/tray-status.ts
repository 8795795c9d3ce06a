/**
 * What the tray says, and which notifications to raise, from the engine's
 * status. Pure: no Electron, no clock; tested in tests/desktop/tray-status.test.ts.
 *
 * Notifications are edge-triggered and remembered: a camera that keeps
 * failing its reconnects (offline → connecting → offline ...) is announced
 * once, and again only after it has recorded in between.
 */
import type { CameraState } from '../../preload/api.ts';

export interface TrayCamera {
  id: number;
  name: string;
  status: { state: CameraState; since: number; lastError: string | null };
}

export interface TrayInput {
  engine: { state: 'starting' } | { state: 'running' } | { state: 'failed'; message: string };
  cameras: TrayCamera[];
  /** StorageStatus.problem: a sentence when storage needs attention. */
  storageProblem: string | null;
}

export type TrayIconState = 'ok' | 'warn' | 'error' | 'idle';

export interface TrayView {
  icon: TrayIconState;
  /** One line for the tray menu's status item. */
  label: string;
  tooltip: string;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function trayView(input: TrayInput): TrayView {
  const view = (icon: TrayIconState, label: string): TrayView => ({ icon, label, tooltip: `Keepwatch: ${label}` });
  if (input.engine.state === 'failed') return view('error', `Not recording: ${input.engine.message}`);
  if (input.engine.state === 'starting') return view('idle', 'Starting…');

  const active = input.cameras.filter((c) => c.status.state !== 'disabled');
  const offline = active.filter((c) => c.status.state === 'offline');
  const recording = active.filter((c) => c.status.state === 'recording');
  const offlineText =
    offline.length === 1 ? `${offline[0].name} is offline` : offline.length > 1 ? `${offline.length} cameras offline` : '';

  if (input.storageProblem) {
    const label = `Storage problem: ${input.storageProblem}`;
    return view('error', offlineText ? `${label} (${offlineText})` : label);
  }
  if (active.length === 0) return view('idle', 'No cameras to record');
  if (offline.length > 0) return view('warn', `${offlineText}; recording ${recording.length} of ${active.length}`);
  if (recording.length === active.length) {
    return view('ok', active.length === 1 ? 'Recording 1 camera' : `Recording all ${active.length} cameras`);
  }
  return view('idle', `Connecting… recording ${recording.length} of ${plural(active.length, 'camera', 'cameras')}`);
}

export interface TrayNotification {
  /** Stable key: the same problem is never shown twice in a row. */
  key: string;
  title: string;
  body: string;
}

/** What has been announced already. */
export interface NotifyMemory {
  offlineAnnounced: ReadonlySet<number>;
  storageProblem: string | null;
  engineFailure: string | null;
}

export const EMPTY_MEMORY: NotifyMemory = { offlineAnnounced: new Set(), storageProblem: null, engineFailure: null };

export function notificationsFor(memory: NotifyMemory, input: TrayInput): { notifications: TrayNotification[]; memory: NotifyMemory } {
  const notifications: TrayNotification[] = [];
  let engineFailure = memory.engineFailure;
  if (input.engine.state === 'failed') {
    if (engineFailure !== input.engine.message) {
      notifications.push({ key: 'engine', title: 'Keepwatch stopped recording', body: input.engine.message });
    }
    engineFailure = input.engine.message;
  } else if (input.engine.state === 'running') engineFailure = null;

  const offlineAnnounced = new Set<number>();
  for (const camera of input.cameras) {
    const { state, lastError } = camera.status;
    if (state === 'offline') {
      offlineAnnounced.add(camera.id);
      if (!memory.offlineAnnounced.has(camera.id)) {
        notifications.push({
          key: `camera-offline:${camera.id}`,
          title: `${camera.name} is offline`,
          body: `Keepwatch keeps retrying and records again as soon as it answers.${lastError ? ` Last error: ${lastError}` : ''}`,
        });
      }
    } else if (state === 'connecting' && memory.offlineAnnounced.has(camera.id)) {
      // Still between retries: not back yet, stay quiet.
      offlineAnnounced.add(camera.id);
    }
  }

  let storageProblem = memory.storageProblem;
  if (input.engine.state === 'running') {
    if (input.storageProblem && input.storageProblem !== memory.storageProblem) {
      notifications.push({ key: 'storage', title: 'Storage needs attention', body: input.storageProblem });
    }
    storageProblem = input.storageProblem;
  }
  return { notifications, memory: { offlineAnnounced, storageProblem, engineFailure } };
}
