/**
 * Turns a camera's stream of on/off notifications into event rows: a
 * `state: true` opens an event, the next `state: false` of the same kind and
 * source closes it.
 *
 * Messages marked `initial` are the camera's current state right after a
 * (re)subscription, not new events: an initial "off" closes an event we still
 * hold open (it ended while we were not listening, e.g. the camera rebooted),
 * an initial "on" keeps an open one going and opens nothing new.
 */
import type { CameraEvent } from '../onvif/index.ts';
import type { Store } from '../storage/store.ts';

export class EventLog {
  constructor(private readonly store: Store) {}

  /** Returns what it did, for logs and tests. */
  record(cameraId: number, event: CameraEvent): 'opened' | 'closed' | 'ignored' {
    const events = this.store.onvif;
    const open = events.openEvent(cameraId, event.kind, event.source);
    if (event.state) {
      if (open || event.initial) return 'ignored';
      events.insertEvent({ cameraId, kind: event.kind, start: event.time, source: event.source, topic: event.topic });
      return 'opened';
    }
    if (!open) return 'ignored';
    events.closeEvent(open.id, event.time);
    return 'closed';
  }

  /** We stop listening (camera edited, disabled, engine stopping): what is open ends now, as far as we can tell. */
  stopListening(cameraId: number, at: number): void {
    this.store.onvif.closeOpenEvents(cameraId, at);
  }

  /** Events left open by a crash: their end is unknown, so they are closed at their start. */
  closeDangling(cameraId: number): void {
    this.store.onvif.closeOpenEvents(cameraId, null);
  }
}
