/** A small "Copy" button that says "Copied" for a moment (or "Select and copy" when the browser refused). */
import { useEffect, useState } from 'react';
import { copyText } from './copy-text.ts';

export function CopyButton({ text, label = 'Copy', what }: { text: string; label?: string; /** For screen readers: "Copy the fingerprint". */ what: string }): React.JSX.Element {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => {
    if (state === 'idle') return;
    const t = setTimeout(() => setState('idle'), 2000);
    return () => clearTimeout(t);
  }, [state]);
  return (
    <button type="button" className="kwf-btn kwf-btn--small" onClick={async () => setState((await copyText(text)) ? 'copied' : 'failed')} aria-label={`Copy ${what}`}>
      <span aria-live="polite">{state === 'copied' ? 'Copied' : state === 'failed' ? 'Select and copy' : label}</span>
    </button>
  );
}
