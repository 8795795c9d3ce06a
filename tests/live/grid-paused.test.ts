// A tile nobody can see (scrolled out of view, window hidden) is paused on
// purpose: it must not look like a connection problem, and an offline camera
// still says so.
import { describe, expect, it } from 'vitest';
import { tileState, tileText } from '../../renderer/src/pages/live/tile-state.ts';
import type { Camera } from '../../preload/api.ts';

const camera = (state: Camera['status']['state'], enabled = true) =>
  ({ id: 1, name: 'Porch', enabled, status: { state, since: 0, lastError: null, retryAt: null } }) as Camera;

describe('paused tile', () => {
  it('says paused, not connecting, for a recording camera whose player was stopped', () => {
    expect(tileState(camera('recording'), 'paused')).toBe('paused');
    expect(tileState(camera('connecting'), 'paused')).toBe('paused');
    const text = tileText('paused', camera('recording'));
    expect(text.chip).toMatch(/paused/i);
    expect(text.headline).toBeNull();
  });

  it('still says offline or disabled when the camera is', () => {
    expect(tileState(camera('offline'), 'paused')).toBe('offline');
    expect(tileState(camera('recording', false), 'paused')).toBe('disabled');
  });

  it('says connecting before the player ever started', () => {
    expect(tileState(camera('recording'), 'idle')).toBe('connecting');
  });
});
