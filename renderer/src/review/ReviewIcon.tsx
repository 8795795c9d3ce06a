/** The navigation rail's Review icon (same line style as renderer/src/ui/icons.tsx). */
export const ReviewIcon = ({ size = 20 }: { size?: number }) => (
  <svg viewBox="0 0 24 24" width={size} height={size} fill="none" stroke="currentColor" strokeWidth="1.7" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true">
    <rect x="3" y="4" width="18" height="13" rx="2" />
    <path d="M8 21h8" />
    <path d="M8.5 10.5l2.5 2.5 4.5-5" />
  </svg>
);
