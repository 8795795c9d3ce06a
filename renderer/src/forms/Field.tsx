/**
 * Labelled form controls. Every input has a visible <label>; hints and
 * errors are tied to it with aria-describedby so a screen reader reads them,
 * and an error sets aria-invalid.
 */
import { useId, type ReactNode } from 'react';
import './forms.css';

interface FieldShellProps {
  id: string;
  label: ReactNode;
  /** Shown after the label, e.g. a "saved" tag or "optional". */
  tag?: ReactNode;
  hint?: ReactNode;
  error?: string | null;
  children: ReactNode;
  className?: string;
}

function FieldShell({ id, label, tag, hint, error, children, className }: FieldShellProps): React.JSX.Element {
  return (
    <div className={`kwf-field${error ? ' kwf-field--invalid' : ''}${className ? ` ${className}` : ''}`}>
      <label className="kwf-field__label" htmlFor={id}>
        <span>{label}</span>
        {tag}
      </label>
      {children}
      {error ? (
        <p className="kwf-field__error" id={`${id}-error`} role="alert">
          {error}
        </p>
      ) : hint ? (
        <p className="kwf-field__hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
    </div>
  );
}

export interface TextFieldProps {
  label: ReactNode;
  name: string;
  value: string;
  onChange: (value: string) => void;
  tag?: ReactNode;
  hint?: ReactNode;
  error?: string | null;
  type?: 'text' | 'password' | 'url' | 'number';
  placeholder?: string;
  autoComplete?: string;
  inputMode?: 'text' | 'decimal' | 'numeric' | 'url';
  /** Focused first when the surrounding dialog opens. */
  autoFocus?: boolean;
  required?: boolean;
  disabled?: boolean;
  /** A unit after the input: "GB", "days", "s". */
  suffix?: string;
  monospace?: boolean;
  className?: string;
}

export function TextField(props: TextFieldProps): React.JSX.Element {
  const id = useId();
  const { label, name, value, onChange, tag, hint, error, type = 'text', suffix, monospace } = props;
  const described = error ? `${id}-error` : hint ? `${id}-hint` : undefined;
  const input = (
    <input
      id={id}
      name={name}
      className={`kwf-input${monospace ? ' kwf-input--mono' : ''}`}
      type={type}
      value={value}
      onChange={(e) => onChange(e.target.value)}
      placeholder={props.placeholder}
      autoComplete={props.autoComplete ?? 'off'}
      inputMode={props.inputMode}
      required={props.required}
      disabled={props.disabled}
      spellCheck={false}
      aria-invalid={error ? true : undefined}
      aria-describedby={described}
      data-autofocus={props.autoFocus ? '' : undefined}
    />
  );
  return (
    <FieldShell id={id} label={label} tag={tag} hint={hint} error={error} className={props.className}>
      {suffix ? (
        <div className="kwf-input-group">
          {input}
          <span className="kwf-input-group__suffix" aria-hidden="true">
            {suffix}
          </span>
        </div>
      ) : (
        input
      )}
    </FieldShell>
  );
}

/** A small pill after a label: "saved", "optional". */
export function FieldTag({ children, tone = 'muted' }: { children: ReactNode; tone?: 'muted' | 'ok' }): React.JSX.Element {
  return <span className={`kwf-tag kwf-tag--${tone}`}>{children}</span>;
}

/** The message a form shows above its buttons when the API refused for a reason no single field owns. */
export function FormError({ message }: { message: string | null }): React.JSX.Element | null {
  if (!message) return null;
  return (
    <div className="kwf-form-error" role="alert">
      <svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true">
        <circle cx="8" cy="8" r="7" fill="none" stroke="currentColor" strokeWidth="1.4" />
        <path d="M8 4.5v4.2M8 10.8v.7" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" />
      </svg>
      <span>{message}</span>
    </div>
  );
}

/** Keyboard hint, e.g. <Kbd>A</Kbd>. */
export function Kbd({ children }: { children: ReactNode }): React.JSX.Element {
  return <kbd className="kwf-kbd">{children}</kbd>;
}
