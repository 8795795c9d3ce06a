/** Rail icons of the people pages (same line style as renderer/src/ui/icons.tsx). */
import type { ReactNode } from 'react';

function Icon({ children, size = 20 }: { children: ReactNode; size?: number }): React.JSX.Element {
  return (
    <svg viewBox="0 0 24 24" width={size} height={size} fill="none" stroke="currentColor" strokeWidth="1.7" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
      {children}
    </svg>
  );
}

export const UsersIcon = (p: { size?: number }) => (
  <Icon {...p}>
    <circle cx="9" cy="8" r="3.5" />
    <path d="M2.5 20c.6-3.6 3.2-5.5 6.5-5.5s5.9 1.9 6.5 5.5" />
    <path d="M16 4.8a3.3 3.3 0 0 1 0 6.4M18.2 14.8c1.9.7 3 2.5 3.3 5.2" />
  </Icon>
);

export const AuditIcon = (p: { size?: number }) => (
  <Icon {...p}>
    <path d="M6 3.5h9l3.5 3.5v13.5H6z" />
    <path d="M14.5 3.5V7.5h4M9 11.5h6.5M9 15h6.5M9 18.5h4" />
  </Icon>
);

export const SignOutIcon = (p: { size?: number }) => (
  <Icon {...p}>
    <path d="M14 4.5H6.5a2 2 0 0 0-2 2v11a2 2 0 0 0 2 2H14" />
    <path d="M10.5 12h10M17 8.5l3.5 3.5-3.5 3.5" />
  </Icon>
);

/** The signed-in person in the rail: their initial in a circle. */
export function AccountBadge({ name }: { name: string }): React.JSX.Element {
  return (
    <span className="kwu-avatar kwu-avatar--rail" aria-hidden="true">
      {name.slice(0, 1)}
    </span>
  );
}
