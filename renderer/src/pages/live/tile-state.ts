/**
 * What a tile says about its camera: the player's view (is video moving?)
 * combined with the engine's camera status (recording, offline since when).
 * Pure, unit-tested.
 */
import type { Camera } from '../../../../preload/api.ts';
import type { PlayerState } from '../../live/player-state.ts';
import { since } from '../../ui/time.ts';

export type TileState = 'live' | 'paused' | 'connecting' | 'reconnecting' | 'offline' | 'disabled' | 'unsupported';

export function tileState(camera: Camera, player: PlayerState): TileState {
  if (!camera.enabled || camera.status.state === 'disabled') return 'disabled';
  if (player === 'live') return 'live';
  if (player === 'unsupported') return 'unsupported';
  if (camera.status.state === 'offline' || player === 'gone') return 'offline';
  // Out of view or in a hidden window: its socket is closed on purpose, nothing to signal.
  if (player === 'paused') return 'paused';
  if (player === 'offline' && camera.status.state === 'connecting') return 'connecting';
  if (player === 'reconnecting' || player === 'offline' || player === 'stalled') return 'reconnecting';
  return 'connecting';
}

export interface TileText {
  /** Short status chip text. */
  chip: string;
  /** The larger message over the picture, when there is no live video. */
  headline: string | null;
  detail: string | null;
}

export function tileText(state: TileState, camera: Camera, now = Date.now()): TileText {
  switch (state) {
    case 'live':
      return { chip: 'Live', headline: null, detail: null };
    case 'paused':
      return { chip: 'Paused (not on screen)', headline: null, detail: null };
    case 'connecting':
      return { chip: 'Connecting…', headline: null, detail: null };
    case 'reconnecting':
      return { chip: 'Reconnecting…', headline: null, detail: null };
    case 'offline':
      return {
        chip: `Offline ${since(camera.status.since, now)}`,
        headline: 'Camera offline',
        detail: [
          since(camera.status.since, now).replace(/^since/, 'Since'),
          camera.status.lastError,
          camera.status.retryAt && camera.status.retryAt > now ? `retrying in ${Math.ceil((camera.status.retryAt - now) / 1000)} s` : null,
        ]
          .filter(Boolean)
          .join(' · '),
      };
    case 'disabled':
      return { chip: 'Disabled', headline: 'Camera disabled', detail: 'Not recording. Enable it on the Cameras page.' };
    case 'unsupported':
      return { chip: 'Cannot play', headline: "This stream can't be played here", detail: 'The browser cannot decode its video codec.' };
  }
}
