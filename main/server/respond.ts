/** JSON answers of the headless server, with the one error-code → status mapping. */
import type { ServerResponse } from 'node:http';
import type { ErrorCode } from '../../preload/api.ts';
import { HTTP_STATUS_OF } from '../../preload/http-status.ts';
import { ApiFailure } from '../engine/errors.ts';

export type ApiErrorCode = ErrorCode | 'unauthorized';

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(body);
}

export function sendApiError(res: ServerResponse, code: ApiErrorCode, message: string, status?: number): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, status ?? HTTP_STATUS_OF[code], { error: { code, message } });
}

/** Answers a failure of a raw route: an ApiFailure as itself; anything else is rethrown (a bug: the server logs it). */
export function sendFailure(res: ServerResponse, err: unknown): void {
  if (err instanceof ApiFailure) sendApiError(res, err.code, err.message);
  else throw err;
}
