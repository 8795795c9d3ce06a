/**
 * The one mapping from the contract's error codes to HTTP statuses, used by
 * every route of the headless server and by the desktop's media scheme.
 * Pure data: the renderer may import it too.
 */
import type { ErrorCode } from './contract/results.ts';

export const HTTP_STATUS_OF: Readonly<Record<ErrorCode, number>> = {
  invalid_input: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  unavailable: 503,
  internal: 500,
};
