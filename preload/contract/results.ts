/** Results and errors that cross every boundary. */
import { z } from 'zod';

// ---------------------------------------------------------------------------
// Results and errors
// ---------------------------------------------------------------------------

/** Stable error codes; the HTTP transport maps them onto status codes. */
export const ErrorCode = z.enum(['invalid_input', 'unauthorized', 'forbidden', 'not_found', 'conflict', 'unavailable', 'internal']);
export type ErrorCode = z.infer<typeof ErrorCode>;
export interface ApiError {
  code: ErrorCode;
  message: string;
}
export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError };

