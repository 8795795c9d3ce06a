/**
 * Small shared components of the app frame: empty states, keyboard hints,
 * spinners, a modal sheet, segmented buttons. Styled by ui.css with the
 * theme's custom properties.
 */
import { useEffect, useRef, type ReactNode } from 'react';
import './ui.css';

/** A calm "nothing here yet" panel with what to do next. */
export function EmptyState({ title, children, action, testId }: { title: string; children?: ReactNode; action?: ReactNode; testId?: string }): React.JSX.Element {
  return (
    <div className="kw-empty" data-testid={testId}>
      <h2 className="kw-empty__title">{title}</h2>
      {children && <div className="kw-empty__text">{children}</div>}
      {action && <div className="kw-empty__action">{action}</div>}
    </div>
  );
}

export function Kbd({ children }: { children: ReactNode }): React.JSX.Element {
  return <kbd className="kw-kbd">{children}</kbd>;
}

export function Spinner({ label, size = 18 }: { label?: string; size?: number }): React.JSX.Element {
  return (
    <span className="kw-spinner" role="status" aria-label={label ?? 'Loading'}>
      <svg viewBox="0 0 24 24" width={size} height={size} aria-hidden="true">
        <circle cx="12" cy="12" r="9" fill="none" stroke="currentColor" strokeOpacity="0.25" strokeWidth="2.5" />
        <path d="M21 12a9 9 0 0 0-9-9" fill="none" stroke="currentColor" strokeWidth="2.5" strokeLinecap="round" />
      </svg>
      {label && <span className="kw-spinner__label">{label}</span>}
    </span>
  );
}

/** A modal sheet; Esc or a click outside closes it, focus moves into it. */
export function Modal({ title, onClose, children, testId }: { title: string; onClose: () => void; children: ReactNode; testId?: string }): React.JSX.Element {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    ref.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        e.preventDefault();
        onClose();
      }
    };
    window.addEventListener('keydown', onKey, true);
    return () => {
      window.removeEventListener('keydown', onKey, true);
      previous?.focus?.();
    };
  }, [onClose]);
  return (
    <div className="kw-modal" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="kw-modal__sheet" role="dialog" aria-modal="true" aria-label={title} tabIndex={-1} ref={ref} data-testid={testId}>
        <header className="kw-modal__head">
          <h2>{title}</h2>
          <button type="button" className="kw-iconbtn" onClick={onClose} aria-label="Close">
            ✕
          </button>
        </header>
        <div className="kw-modal__body">{children}</div>
      </div>
    </div>
  );
}

export interface SegmentOption<T extends string> {
  value: T;
  label: ReactNode;
  title?: string;
}

/** A row of mutually exclusive buttons (e.g. grid layouts). */
export function Segmented<T extends string>({ options, value, onChange, label }: { options: SegmentOption<T>[]; value: T; onChange: (v: T) => void; label: string }): React.JSX.Element {
  return (
    <div className="kw-segmented" role="radiogroup" aria-label={label}>
      {options.map((o) => (
        <button
          key={o.value}
          type="button"
          role="radio"
          aria-checked={o.value === value}
          className={o.value === value ? 'is-on' : ''}
          title={o.title}
          data-value={o.value}
          onClick={() => onChange(o.value)}
        >
          {o.label}
        </button>
      ))}
    </div>
  );
}
