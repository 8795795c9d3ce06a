/** Transport icons (inline SVG: no icon font, nothing remote). */
import type { ReactNode } from 'react';

function Icon({ children, size = 18 }: { children: ReactNode; size?: number }): React.JSX.Element {
  return (
    <svg viewBox="0 0 24 24" width={size} height={size} fill="currentColor" aria-hidden="true">
      {children}
    </svg>
  );
}

export const PlayIcon = () => (
  <Icon>
    <path d="M7 4.5v15l12.5-7.5z" />
  </Icon>
);
export const PauseIcon = () => (
  <Icon>
    <rect x="6" y="4.5" width="4.2" height="15" rx="1" />
    <rect x="13.8" y="4.5" width="4.2" height="15" rx="1" />
  </Icon>
);
export const FrameBackIcon = () => (
  <Icon>
    <rect x="5" y="5" width="2.4" height="14" rx="0.8" />
    <path d="M19 5v14L9 12z" />
  </Icon>
);
export const FrameForwardIcon = () => (
  <Icon>
    <rect x="16.6" y="5" width="2.4" height="14" rx="0.8" />
    <path d="M5 5v14l10-7z" />
  </Icon>
);
export const PreviousEventIcon = () => (
  <Icon>
    <path d="M12 5v14L3.5 12z" />
    <path d="M21 5v14l-8.5-7z" />
  </Icon>
);
export const NextEventIcon = () => (
  <Icon>
    <path d="M12 5v14l8.5-7z" />
    <path d="M3 5v14l8.5-7z" />
  </Icon>
);
