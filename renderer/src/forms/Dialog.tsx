/**
 * A modal dialog on the native <dialog> element: the browser traps focus,
 * makes the rest of the page inert and turns Esc into a "cancel" we route to
 * onClose. On open, focus goes to the element marked data-autofocus (or the
 * first field); on close it returns to whatever had it before.
 */
import { useLayoutEffect, useRef, type ReactNode } from 'react';
import './forms.css';

export interface DialogProps {
  title: string;
  onClose: () => void;
  children: ReactNode;
  /** A short line under the title. */
  subtitle?: ReactNode;
  /** Wider dialogs for forms with side-by-side fields. */
  size?: 'small' | 'medium' | 'large';
  /** The dialog's role for assistive technology; destructive confirmations use alertdialog. */
  role?: 'dialog' | 'alertdialog';
}

export function Dialog({ title, subtitle, onClose, children, size = 'medium', role = 'dialog' }: DialogProps): React.JSX.Element {
  const ref = useRef<HTMLDialogElement>(null);
  const onCloseRef = useRef(onClose);
  onCloseRef.current = onClose;
  const titleId = useStableId('kwf-dialog-title');

  useLayoutEffect(() => {
    const dialog = ref.current!;
    const previous = document.activeElement as HTMLElement | null;
    if (!dialog.open) dialog.showModal();
    const target =
      dialog.querySelector<HTMLElement>('[data-autofocus]') ??
      dialog.querySelector<HTMLElement>('input:not([disabled]), select, textarea, [role="tab"][aria-selected="true"]');
    target?.focus();
    const cancel = (e: Event) => {
      e.preventDefault(); // stay controlled by React: the owner unmounts us
      onCloseRef.current();
    };
    // Chromium may close a dialog without a cancel event (repeated Esc without
    // user activation); whatever closed it, the owner must hear of it.
    const closed = () => onCloseRef.current();
    dialog.addEventListener('cancel', cancel);
    dialog.addEventListener('close', closed);
    return () => {
      dialog.removeEventListener('cancel', cancel);
      dialog.removeEventListener('close', closed);
      if (dialog.open) dialog.close();
      if (previous && document.contains(previous)) previous.focus();
    };
  }, []);

  return (
    <dialog ref={ref} className={`kwf-dialog kwf-dialog--${size}`} aria-labelledby={titleId} role={role === 'alertdialog' ? 'alertdialog' : undefined}>
      <header className="kwf-dialog__head">
        <div>
          <h2 id={titleId} className="kwf-dialog__title">
            {title}
          </h2>
          {subtitle && <p className="kwf-dialog__subtitle">{subtitle}</p>}
        </div>
        <button type="button" className="kwf-iconbtn" aria-label="Close" title="Close (Esc)" onClick={() => onCloseRef.current()} data-dialog-close>
          <svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true">
            <path d="M3.5 3.5l9 9m0-9l-9 9" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" />
          </svg>
        </button>
      </header>
      <div className="kwf-dialog__body">{children}</div>
    </dialog>
  );
}

let counter = 0;
function useStableId(prefix: string): string {
  const ref = useRef<string | null>(null);
  if (ref.current === null) ref.current = `${prefix}-${++counter}`;
  return ref.current;
}
