/**
 * How often a live player touches the page, by how many players share it.
 * Pure, so it is unit-tested without a browser.
 *
 * A requestVideoFrameCallback pending on a <video> makes Chromium run the
 * page's rendering steps (a main-thread frame: animations, intersection
 * observers, paint, commit) at every frame of that video. For one camera
 * that is how the player learns exactly when each frame is shown; for 16
 * tiles out of step it is a main-thread frame at almost every vsync
 * (measured: 25–30 a second and a fifth of the page's main-thread time in a
 * 16-tile grid), which a page of plain <video> elements never pays.
 *
 * So a page with few players follows every frame (the live-edge trough is
 * sampled at every frame; the lowest latency), and a grid of many follows
 * a short burst of frames now and then, enough to learn the frame duration;
 * the trough is then sampled just before each append, where the saw tooth
 * has it, and at the player's tick, and moving video is seen by its
 * currentTime advancing.
 */

/** Up to this many players on a page (a 2×2 grid, a maximised camera) follow every frame. */
export const FEW_PLAYERS = 4;

/** In a grid of more, frames are followed for a burst of this many... */
export const FRAME_BURST = 4;
/** ...this often (ms), and until the first frame of each connection is on screen. */
export const FRAME_BURST_EVERY_MS = 10_000;

export function followEveryFrame(runningPlayers: number): boolean {
  return runningPlayers <= FEW_PLAYERS;
}

