/**
 * The API explains bad input as "field: problem; other.field: problem"
 * (main/engine/handlers.ts describeIssues). A form shows each problem under
 * its own input and anything else (conflicts, an unreachable engine) above
 * the buttons, word for word: the server's message is the truth.
 */
import type { ApiError } from '../../../preload/api.ts';

export interface FormErrors {
  /** Problems keyed by the form's field name. */
  fields: Record<string, string>;
  /** Problems that belong to no single field. */
  general: string | null;
}

export const NO_ERRORS: FormErrors = { fields: {}, general: null };

/**
 * Splits an API error onto a form's fields. `fieldFor` maps the API's path
 * ("mainUrl", "retention.maxAgeDays") to a field name, or null when the form
 * has no such field (the problem is then shown as a general one, path and all).
 */
export function splitApiError(error: ApiError, fieldFor: (apiPath: string) => string | null): FormErrors {
  const fields: Record<string, string> = {};
  const general: string[] = [];
  // Only input validation speaks in "path: problem" parts; any other message is shown whole.
  if (error.code !== 'invalid_input') return { fields, general: error.message };
  for (const part of error.message.split('; ')) {
    const m = /^([A-Za-z_][\w.]*): (.+)$/s.exec(part);
    const field = m ? fieldFor(m[1]) : null;
    if (m && field) fields[field] = fields[field] ? `${fields[field]}; ${m[2]}` : m[2];
    else general.push(part);
  }
  return { fields, general: general.length ? general.join('; ') : null };
}
