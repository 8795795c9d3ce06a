/**
 * The last frame seen of each camera, kept in small canvases for the life of
 * the page, so a tile that mounts (grid ↔ maximised, back from another page,
 * scrolled into view) shows the camera's last picture while it connects
 * instead of a black box.
 */
const frames = new Map<number, HTMLCanvasElement>();
/** Frames are kept at most this wide: a poster, not a recording. */
const MAX_WIDTH = 640;

/** Copies the video's current frame; false when it has none to give. */
export function rememberFrame(cameraId: number, video: HTMLVideoElement): boolean {
  if (video.readyState < HTMLMediaElement.HAVE_CURRENT_DATA || !video.videoWidth) return false;
  const scale = Math.min(1, MAX_WIDTH / video.videoWidth);
  const width = Math.max(1, Math.round(video.videoWidth * scale));
  const height = Math.max(1, Math.round(video.videoHeight * scale));
  const canvas = frames.get(cameraId) ?? document.createElement('canvas');
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
  }
  try {
    canvas.getContext('2d')?.drawImage(video, 0, 0, width, height);
  } catch {
    return false;
  }
  frames.set(cameraId, canvas);
  return true;
}

/** Draws the camera's last known frame into `target`; false when there is none. */
export function paintLastFrame(cameraId: number, target: HTMLCanvasElement): boolean {
  const frame = frames.get(cameraId);
  if (!frame) return false;
  target.width = frame.width;
  target.height = frame.height;
  target.getContext('2d')?.drawImage(frame, 0, 0);
  return true;
}
