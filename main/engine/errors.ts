/**
 * Errors that cross the API boundary: a stable code and a human message.
 * Handlers throw them; the dispatcher turns them into `{ok:false, error}`.
 */
import type { ApiError, ErrorCode } from '../../preload/api.ts';

export class ApiFailure extends Error {
  override name = 'ApiFailure';
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }

  toJSON(): ApiError {
    return { code: this.code, message: this.message };
  }
}

export const notFound = (what: string) => new ApiFailure('not_found', what);
export const invalid = (why: string) => new ApiFailure('invalid_input', why);
export const conflict = (why: string) => new ApiFailure('conflict', why);
