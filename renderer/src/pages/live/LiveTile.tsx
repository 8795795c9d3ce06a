/**
 * One camera's live picture: the MSE player, the camera's last frame while
 * connecting, its name, a recording indicator, and what state it is in
 * (live / connecting / reconnecting / offline since when / disabled /
 * paused while nobody can see it).
 *
 * Kept cheap to composite (16 of these over software-decoded video): no CSS
 * filter over the picture, no endless animation, small overlays (live.css).
 *
 * Test hooks: data-testid="live-tile", data-camera-id, data-state (TileState),
 * data-stream (the stream really shown), data-requested-stream,
 * data-transcoded, data-recording, data-first-frame-ms.
 */
import { forwardRef, useEffect, useImperativeHandle, useRef, useState, type DragEvent } from 'react';
import type { Camera, StreamKind } from '../../../../preload/api.ts';
import { useLivePlayer } from '../../live/use-live-player.ts';
import { paintLastFrame } from '../../live/frame-cache.ts';
import { Spinner } from '../../ui/components.tsx';
import { tileState, tileText } from './tile-state.ts';
import { useNow } from './use-now.ts';

export interface LiveTileProps {
  camera: Camera;
  /** The stream to ask for: sub in the grid, main when maximised. */
  stream: StreamKind;
  maximised?: boolean;
  onFocus?(): void;
  onMaximise?(): void;
  /** Drag and drop reordering (grid only): `dragged` is dropped onto this tile. */
  onDropCamera?(dragged: number): void;
}

const DRAG_TYPE = 'application/x-keepwatch-camera';

export const LiveTile = forwardRef<HTMLDivElement, LiveTileProps>(function LiveTile(
  { camera, stream, maximised = false, onFocus, onMaximise, onDropCamera },
  ref,
) {
  const tileRef = useRef<HTMLDivElement>(null);
  const videoRef = useRef<HTMLVideoElement>(null);
  const posterRef = useRef<HTMLCanvasElement>(null);
  useImperativeHandle(ref, () => tileRef.current!, []);
  const [hasPoster, setHasPoster] = useState(false);
  const [hasFrame, setHasFrame] = useState(false);
  const [dropTarget, setDropTarget] = useState(false);

  const player = useLivePlayer(videoRef, tileRef, camera.id, stream, camera.enabled, maximised);
  const state = tileState(camera, player.state);
  // Only an offline tile's text moves with the clock ("since 14:02 · 3 min"): a live
  // grid re-renders on player and camera changes alone, not every second.
  const now = useNow(1000, state === 'offline');
  const text = tileText(state, camera, now);
  const recording = camera.status.state === 'recording';

  useEffect(() => {
    if (posterRef.current) setHasPoster(paintLastFrame(camera.id, posterRef.current));
  }, [camera.id]);
  useEffect(() => {
    if (player.state === 'live') setHasFrame(true);
  }, [player.state]);

  const shown = player.stream;
  const details = [
    shown ? `${shown.stream === 'main' ? 'Main' : 'Sub'} stream` : null,
    shown?.width && shown.height ? `${shown.width}×${shown.height}` : null,
    shown?.transcoded ? 'H.265 transcoded to H.264' : null,
    shown && shown.stream !== stream ? `the ${stream} stream is H.265` : null,
  ].filter(Boolean);

  const drag = onDropCamera
    ? {
        draggable: true,
        onDragStart: (e: DragEvent) => {
          e.dataTransfer.setData(DRAG_TYPE, String(camera.id));
          e.dataTransfer.effectAllowed = 'move';
        },
        onDragOver: (e: DragEvent) => {
          if (e.dataTransfer.types.includes(DRAG_TYPE)) {
            e.preventDefault();
            e.dataTransfer.dropEffect = 'move';
          }
        },
        onDragEnter: (e: DragEvent) => e.dataTransfer.types.includes(DRAG_TYPE) && setDropTarget(true),
        onDragLeave: () => setDropTarget(false),
        onDrop: (e: DragEvent) => {
          e.preventDefault();
          setDropTarget(false);
          const dragged = Number(e.dataTransfer.getData(DRAG_TYPE));
          if (dragged && dragged !== camera.id) onDropCamera(dragged);
        },
      }
    : {};

  return (
    <div
      ref={tileRef}
      className={`kwl-tile kwl-tile--${state}${maximised ? ' kwl-tile--max' : ''}${dropTarget ? ' is-drop-target' : ''}`}
      tabIndex={0}
      role="group"
      aria-label={`${camera.name}: ${text.chip}`}
      data-testid="live-tile"
      data-camera-id={camera.id}
      data-state={state}
      data-player-state={player.state}
      data-stream={shown?.stream ?? stream}
      data-requested-stream={stream}
      data-transcoded={shown?.transcoded ? 'true' : 'false'}
      data-recording={recording ? 'true' : 'false'}
      data-first-frame-ms={player.firstFrameMs ?? undefined}
      onFocus={onFocus}
      onDoubleClick={onMaximise}
      {...drag}
    >
      <canvas ref={posterRef} className="kwl-tile__poster" hidden={!hasPoster || state === 'live'} aria-hidden="true" />
      <video ref={videoRef} className={`kwl-tile__video${hasFrame ? ' is-on' : ''}`} muted playsInline autoPlay disablePictureInPicture />
      <div className="kwl-tile__dim" aria-hidden="true" />

      <div className="kwl-tile__top">
        <span className="kwl-tile__name" title={camera.name}>
          {camera.name}
        </span>
        {recording && (
          <span className="kwl-rec" title="Recording" data-testid="recording-indicator">
            <i aria-hidden="true" />
            REC
          </span>
        )}
      </div>

      {text.headline && (
        <div className="kwl-tile__message" role="status">
          <strong>{text.headline}</strong>
          {text.detail && <span>{text.detail}</span>}
        </div>
      )}
      {!text.headline && state !== 'live' && state !== 'paused' && !hasFrame && !hasPoster && (
        <div className="kwl-tile__message">
          <Spinner label={text.chip} />
        </div>
      )}

      <div className="kwl-tile__bottom">
        <span className={`kwl-chip kwl-chip--${state}`}>
          <i aria-hidden="true" />
          {text.chip}
        </span>
        {maximised && details.length > 0 && <span className="kwl-tile__details">{details.join(' · ')}</span>}
        {!maximised && shown?.transcoded && <span className="kwl-tile__details">transcoded</span>}
      </div>
    </div>
  );
});
