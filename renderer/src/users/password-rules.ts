/**
 * What the forms check before asking the engine: the length the contract
 * demands and that both copies match. The engine checks again, and also
 * refuses the commonest passwords (its message is shown under the field).
 */
import { MIN_PASSWORD_LENGTH } from '../../../preload/api.ts';

export function passwordProblems(password: string, again: string): { password: string | null; again: string | null } {
  return {
    password: password.length < MIN_PASSWORD_LENGTH ? `A password needs at least ${MIN_PASSWORD_LENGTH} characters.` : null,
    again: again !== password ? 'The two passwords differ.' : null,
  };
}
