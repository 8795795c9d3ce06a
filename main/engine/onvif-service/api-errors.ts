/**
 * OnvifError (protocol layer) → ApiFailure (the API's stable codes). The
 * protocol layer's message goes through unchanged: it is already written for
 * people and never holds a credential.
 *
 * invalid_input (HTTP 400): the user can fix it — wrong password, an http://
 *   address for an HTTPS-only camera, a device without video, a bad token.
 * unavailable (HTTP 503): the device is unreachable, slow, or answered nonsense.
 */
import { isOnvifError, type OnvifErrorCode } from '../onvif/index.ts';
import { ApiFailure } from '../errors.ts';
import type { ErrorCode } from '../../../preload/api.ts';

const USER_CAN_FIX = new Set<OnvifErrorCode>([
  'BAD_ADDRESS',
  'INVALID_ARGUMENT',
  'AUTH_FAILED',
  'TLS_REQUIRED',
  'TLS_FAILED',
  'NO_MEDIA_SERVICE',
  'NO_PROFILES',
  'NO_USABLE_PROFILE',
  'BAD_STREAM_URI',
  'NO_PTZ_SERVICE',
  'NO_EVENTS_SERVICE',
  'ACTION_NOT_SUPPORTED',
  'SENDER_FAULT',
]);

export function onvifApiCode(code: OnvifErrorCode): ErrorCode {
  return USER_CAN_FIX.has(code) ? 'invalid_input' : 'unavailable';
}

/** Rethrows anything as an ApiFailure the dispatcher can return; unknown errors stay internal. */
export function toApiFailure(error: unknown): unknown {
  if (error instanceof ApiFailure) return error;
  if (isOnvifError(error)) return new ApiFailure(onvifApiCode(error.code), error.message);
  return error;
}

/** Runs `fn`, turning ONVIF errors into API failures. */
export async function asApi<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw toApiFailure(error);
  }
}
