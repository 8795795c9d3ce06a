/**
 * The synced player grid: one <video> per selected camera, laid out to fill
 * the space (1, 2, 2×2, 3×3, 4×4), each with its camera name and what it is
 * doing (loading, no footage at this time, cannot play here).
 */
import { useEffect, useRef } from 'react';
import type { CameraView, PlaybackController } from './player/playback-controller.ts';
import { Spinner } from '../ui/components.tsx';

export interface PlayerGridProps {
  controller: PlaybackController;
  cameras: { id: number; name: string }[];
  views: CameraView[];
}

function columns(n: number): number {
  return n <= 1 ? 1 : n <= 4 ? 2 : n <= 9 ? 3 : 4;
}

export function PlayerGrid({ controller, cameras, views }: PlayerGridProps): React.JSX.Element {
  const cols = columns(cameras.length);
  const rows = Math.ceil(cameras.length / cols);
  return (
    <div className="kwt-grid" style={{ gridTemplateColumns: `repeat(${cols}, minmax(0, 1fr))`, gridTemplateRows: `repeat(${rows}, minmax(0, 1fr))` }}>
      {cameras.map((c) => (
        <PlayerTile key={c.id} controller={controller} camera={c} view={views.find((v) => v.cameraId === c.id)} />
      ))}
    </div>
  );
}

function PlayerTile({ controller, camera, view }: { controller: PlaybackController; camera: { id: number; name: string }; view?: CameraView }): React.JSX.Element {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    controller.attach(camera.id, ref.current);
    return () => controller.attach(camera.id, null);
  }, [controller, camera.id]);
  const state = view?.state ?? 'idle';
  return (
    <figure className="kwt-tile" data-camera-id={camera.id} data-state={state} data-skipped={view?.skipped ?? 0}>
      <video ref={ref} className="kwt-tile__video" data-camera-id={camera.id} muted playsInline disablePictureInPicture />
      <figcaption className="kwt-tile__name">{camera.name}</figcaption>
      {state === 'loading' && (
        <div className="kwt-tile__overlay is-quiet">
          <Spinner label="Loading footage" />
        </div>
      )}
      {state === 'no-footage' && <div className="kwt-tile__overlay">No footage at this time</div>}
      {state === 'damaged' && <div className="kwt-tile__overlay">This part of the recording is damaged: skipped to the next keyframe</div>}
      {(state === 'unsupported' || state === 'error') && <div className="kwt-tile__overlay is-error">{view?.error ?? 'This footage cannot be played.'}</div>}
    </figure>
  );
}
