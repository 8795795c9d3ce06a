/**
 * Accessible tabs (WAI-ARIA tabs pattern): arrow keys move between tabs,
 * only the selected tab is in the Tab order, panels are labelled by their tab.
 */
import { useId, useRef, type ReactNode } from 'react';
import './forms.css';

export interface TabDef<K extends string> {
  key: K;
  label: ReactNode;
  /** A small note after the label, e.g. "soon". */
  badge?: ReactNode;
}

export function Tabs<K extends string>({ tabs, selected, onSelect, label, children }: {
  tabs: TabDef<K>[];
  selected: K;
  onSelect: (key: K) => void;
  /** What the tab list is for, for screen readers. */
  label: string;
  /** The selected tab's panel. */
  children: ReactNode;
}): React.JSX.Element {
  const base = useId();
  const refs = useRef(new Map<K, HTMLButtonElement>());
  const move = (delta: number) => {
    const i = tabs.findIndex((t) => t.key === selected);
    const next = tabs[(i + delta + tabs.length) % tabs.length].key;
    onSelect(next);
    refs.current.get(next)?.focus();
  };
  return (
    <div className="kwf-tabs">
      <div
        role="tablist"
        aria-label={label}
        className="kwf-tabs__list"
        onKeyDown={(e) => {
          if (e.key === 'ArrowRight') move(1);
          else if (e.key === 'ArrowLeft') move(-1);
          else return;
          e.preventDefault();
        }}
      >
        {tabs.map((t) => (
          <button
            key={t.key}
            ref={(el) => {
              if (el) refs.current.set(t.key, el);
              else refs.current.delete(t.key);
            }}
            type="button"
            role="tab"
            id={`${base}-tab-${t.key}`}
            aria-selected={t.key === selected}
            aria-controls={`${base}-panel`}
            tabIndex={t.key === selected ? 0 : -1}
            className="kwf-tabs__tab"
            onClick={() => onSelect(t.key)}
          >
            {t.label}
            {t.badge && <span className="kwf-tabs__badge">{t.badge}</span>}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`${base}-panel`} aria-labelledby={`${base}-tab-${selected}`} className="kwf-tabs__panel">
        {children}
      </div>
    </div>
  );
}
