/**
 * Binds a LivePlayer to a <video> for as long as a tile shows one camera
 * stream, and runs it only while it can be seen: a tile scrolled out of view
 * (IntersectionObserver) or in a hidden tab (visibilitychange) closes its
 * socket and keeps its last frame; it reconnects at once when seen again,
 * and the server's cached GOP brings a picture within a frame or two.
 *
 * The camera's last frame is remembered (frame-cache.ts) when the tile stops
 * or unmounts, not on a timer: copying a frame out of the decoder is not free
 * (a periodic copy was 3 % of a 16-tile grid's main thread).
 *
 * `lowLatency` (the maximised view) asks the server for the lowest latency:
 * a recorded stream is then sent from a live-only camera connection, frame by
 * frame, while this player watches (docs/live.md, "Express connection").
 */
import { useEffect, useState, type RefObject } from 'react';
import type { LiveInitMessage, StreamKind } from '../../../preload/api.ts';
import { LivePlayer, type PlayerState } from './mse-player.ts';
import { liveUrl } from './live-url.ts';
import { rememberFrame } from './frame-cache.ts';

export interface LivePlayerView {
  state: PlayerState;
  /** What the server sends (codec, size, the stream really served). */
  stream: LiveInitMessage | null;
  /** Time from opening the route to the first frame on screen (ms), for this connection. */
  firstFrameMs: number | null;
}

export function useLivePlayer(
  videoRef: RefObject<HTMLVideoElement | null>,
  containerRef: RefObject<HTMLElement | null>,
  cameraId: number,
  stream: StreamKind,
  enabled: boolean,
  lowLatency = false,
): LivePlayerView {
  const [view, setView] = useState<LivePlayerView>({ state: 'idle', stream: null, firstFrameMs: null });

  useEffect(() => {
    const video = videoRef.current;
    const container = containerRef.current;
    if (!enabled || !video || !container) return;
    setView({ state: 'idle', stream: null, firstFrameMs: null });
    const player = new LivePlayer(
      video,
      { url: liveUrl(cameraId, stream, { lowLatency }) },
      {
        onState: (state) => setView((v) => ({ ...v, state })),
        onStream: (info) => setView((v) => ({ ...v, stream: info })),
        onFirstFrame: (ms) => setView((v) => ({ ...v, firstFrameMs: ms })),
      },
    );

    let inView = true;
    const update = () => {
      if (inView && !document.hidden) player.start();
      else {
        rememberFrame(cameraId, video);
        player.stop();
      }
    };
    const observer = new IntersectionObserver((entries) => {
      inView = entries.some((e) => e.isIntersecting);
      update();
    });
    observer.observe(container);
    document.addEventListener('visibilitychange', update);
    update();

    return () => {
      observer.disconnect();
      document.removeEventListener('visibilitychange', update);
      rememberFrame(cameraId, video);
      player.destroy();
    };
  }, [videoRef, containerRef, cameraId, stream, enabled, lowLatency]);

  return view;
}
