/**
 * Moves focus to a form's first invalid field once React has committed the
 * errors that mark it (`aria-invalid`). Focusing straight after setErrors
 * found the previous render's fields, and focusing at the next animation
 * frame raced the render: on a busy machine the frame came first, nothing was
 * focused, and the keyboard user lost their place (seen in CI).
 */
import { useEffect, useRef, type RefObject } from 'react';

export function useFocusInvalid(errors: unknown): { formRef: RefObject<HTMLFormElement | null>; focusInvalidNext: () => void } {
  const formRef = useRef<HTMLFormElement | null>(null);
  const pending = useRef(false);
  useEffect(() => {
    if (!pending.current) return;
    pending.current = false;
    formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [errors]);
  /** Call before setting the errors: the field they mark gets the focus once they are on screen. */
  const focusInvalidNext = () => {
    pending.current = true;
  };
  return { formRef, focusInvalidNext };
}
