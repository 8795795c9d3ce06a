/**
 * One error type for everything ONVIF: a stable `code` for programs and a
 * human `message` for people. Messages name addresses, never credentials.
 */

export type OnvifErrorCode =
  // Untrusted XML (see xml.ts)
  | 'XML_TOO_LARGE'
  | 'XML_TOO_DEEP'
  | 'XML_FORBIDDEN_DECLARATION'
  | 'XML_MALFORMED'
  // Transport
  | 'BAD_ADDRESS'
  | 'UNREACHABLE'
  | 'TIMEOUT'
  | 'TLS_REQUIRED'
  | 'TLS_FAILED'
  | 'RESPONSE_TOO_LARGE'
  | 'HTTP_ERROR'
  // SOAP
  | 'NOT_A_SOAP_RESPONSE'
  | 'AUTH_FAILED'
  | 'ACTION_NOT_SUPPORTED'
  | 'SENDER_FAULT'
  | 'RECEIVER_FAULT'
  | 'BAD_RESPONSE'
  // Onboarding and services
  | 'NO_MEDIA_SERVICE'
  | 'NO_PROFILES'
  | 'NO_USABLE_PROFILE'
  | 'BAD_STREAM_URI'
  | 'NO_PTZ_SERVICE'
  | 'NO_EVENTS_SERVICE'
  | 'INVALID_ARGUMENT'
  | 'ABORTED';

export class OnvifError extends Error {
  override readonly name = 'OnvifError';
  readonly code: OnvifErrorCode;
  /** SOAP fault subcode as the camera sent it (e.g. "ter:NotAuthorized"), when there was one. */
  readonly faultSubcode?: string;

  constructor(code: OnvifErrorCode, message: string, options?: { cause?: unknown; faultSubcode?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    if (options?.faultSubcode) this.faultSubcode = options.faultSubcode;
  }
}

export function isOnvifError(value: unknown, code?: OnvifErrorCode): value is OnvifError {
  return value instanceof OnvifError && (code === undefined || value.code === code);
}

/** The wording the issue asks for; shared so every path that detects a bad password says the same. */
export const AUTH_FAILED_MESSAGE = 'The camera rejected the username or password';
