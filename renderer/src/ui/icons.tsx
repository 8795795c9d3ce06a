/** The few line icons the frame uses (inline SVG: no icon font, nothing remote). */
import type { ReactNode } from 'react';

function Icon({ children, size = 20 }: { children: ReactNode; size?: number }): React.JSX.Element {
  return (
    <svg viewBox="0 0 24 24" width={size} height={size} fill="none" stroke="currentColor" strokeWidth="1.7" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
      {children}
    </svg>
  );
}

export const LiveIcon = (p: { size?: number }) => (
  <Icon {...p}>
    <rect x="3" y="3" width="7.5" height="7.5" rx="1.5" />
    <rect x="13.5" y="3" width="7.5" height="7.5" rx="1.5" />
    <rect x="3" y="13.5" width="7.5" height="7.5" rx="1.5" />
    <rect x="13.5" y="13.5" width="7.5" height="7.5" rx="1.5" />
  </Icon>
);

export const TimelineIcon = (p: { size?: number }) => (
  <Icon {...p}>
    <path d="M3 12h18" />
    <path d="M7 8v8M12 6v12M17 9v6" />
  </Icon>
);

export const CameraIcon = (p: { size?: number }) => (
  <Icon {...p}>
    <rect x="2.5" y="6.5" width="14" height="11" rx="2" />
    <path d="M16.5 10.5l5-3v9l-5-3" />
  </Icon>
);

export const SettingsIcon = (p: { size?: number }) => (
  <Icon {...p}>
    <circle cx="12" cy="12" r="3" />
    <path d="M19.4 15a1.7 1.7 0 0 0 .3 1.8l.1.1a2 2 0 1 1-2.8 2.8l-.1-.1a1.7 1.7 0 0 0-1.8-.3 1.7 1.7 0 0 0-1 1.5V21a2 2 0 1 1-4 0v-.1a1.7 1.7 0 0 0-1.1-1.5 1.7 1.7 0 0 0-1.8.3l-.1.1a2 2 0 1 1-2.8-2.8l.1-.1a1.7 1.7 0 0 0 .3-1.8 1.7 1.7 0 0 0-1.5-1H3a2 2 0 1 1 0-4h.1a1.7 1.7 0 0 0 1.5-1.1 1.7 1.7 0 0 0-.3-1.8l-.1-.1a2 2 0 1 1 2.8-2.8l.1.1a1.7 1.7 0 0 0 1.8.3H9a1.7 1.7 0 0 0 1-1.5V3a2 2 0 1 1 4 0v.1a1.7 1.7 0 0 0 1 1.5 1.7 1.7 0 0 0 1.8-.3l.1-.1a2 2 0 1 1 2.8 2.8l-.1.1a1.7 1.7 0 0 0-.3 1.8V9a1.7 1.7 0 0 0 1.5 1H21a2 2 0 1 1 0 4h-.1a1.7 1.7 0 0 0-1.5 1z" />
  </Icon>
);

export const FullscreenIcon = (p: { size?: number; exit?: boolean }) => (
  <Icon size={p.size}>
    {p.exit ? <path d="M9 4v5H4M15 4v5h5M9 20v-5H4M15 20v-5h5" /> : <path d="M4 9V4h5M20 9V4h-5M4 15v5h5M20 15v5h-5" />}
  </Icon>
);

export const KeyboardIcon = (p: { size?: number }) => (
  <Icon {...p}>
    <rect x="2.5" y="6" width="19" height="12" rx="2" />
    <path d="M6 10h.01M9.5 10h.01M13 10h.01M16.5 10h.01M7 14h10" />
  </Icon>
);

export const ChevronIcon = (p: { size?: number; left?: boolean }) => (
  <Icon size={p.size}>{p.left ? <path d="M15 6l-6 6 6 6" /> : <path d="M9 6l6 6-6 6" />}</Icon>
);

export const BackIcon = (p: { size?: number }) => (
  <Icon {...p}>
    <path d="M10 6l-6 6 6 6M4 12h16" />
  </Icon>
);

/** The Keepwatch mark: a watchful eye in a rounded square. */
export const LogoMark = (p: { size?: number }) => (
  <svg viewBox="0 0 32 32" width={p.size ?? 28} height={p.size ?? 28} aria-hidden="true">
    <rect x="1" y="1" width="30" height="30" rx="8" fill="var(--kw-accent)" />
    <path d="M6 16c2.8-4.6 6.1-7 10-7s7.2 2.4 10 7c-2.8 4.6-6.1 7-10 7s-7.2-2.4-10-7z" fill="none" stroke="#fff" strokeWidth="2" />
    <circle cx="16" cy="16" r="3.2" fill="#fff" />
  </svg>
);
