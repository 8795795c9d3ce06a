/** What a live player is doing (DOM-free, so pure modules and tests can use it). */
export type PlayerState =
  /** Not started yet. */
  | 'idle'
  /** Stopped because nobody can see it (off screen, hidden window): socket closed, the last frame stays. */
  | 'paused'
  /** Socket opening, or waiting for the first frame. */
  | 'connecting'
  /** Frames are being shown. */
  | 'live'
  /** Connected, but no new frame for a while. */
  | 'stalled'
  /** The server says the camera stream is not running (camera unreachable or reconnecting). */
  | 'offline'
  /** The socket closed; trying again. */
  | 'reconnecting'
  /** This browser cannot decode what the server sends. */
  | 'unsupported'
  /** The camera or stream no longer exists. */
  | 'gone';
