/**
 * RampartError -> OpenAI error JSON. The `type` follows the HTTP status the way OpenAI's API does,
 * so SDKs raise the matching class (BadRequestError, RateLimitError, ...); `code` is the Rampart
 * catalog code, which is what a caller should branch on.
 */
import type { RampartError } from '../../../errors.js';
import { errorHeaders, jsonAnswer } from '../json.js';
import type { WireAnswer } from '../types.js';

export interface OpenAIErrorBody {
  message: string;
  type: string;
  param: string | null;
  code: string;
}

export function openaiErrorType(status: number): string {
  switch (status) {
    case 400: case 413: case 415: return 'invalid_request_error';
    case 401: return 'authentication_error';
    case 403: return 'permission_error';
    case 404: return 'not_found_error';
    case 408: return 'timeout_error';
    case 409: return 'conflict_error';
    case 422: return 'unprocessable_entity_error';
    case 429: return 'rate_limit_error';
    default: return status >= 500 ? 'server_error' : 'invalid_request_error';
  }
}

export function openaiErrorBody(err: RampartError, requestId: string): OpenAIErrorBody {
  // A generic 500 must still let an operator find the log line.
  const message = err.code === 'internal' ? `${err.message} (request id ${requestId})` : err.message;
  return { message, type: openaiErrorType(err.status), param: err.param ?? null, code: err.code };
}

export function encodeOpenAIError(err: RampartError, requestId: string): WireAnswer {
  return jsonAnswer(err.status, { error: openaiErrorBody(err, requestId) }, {
    ...errorHeaders(err),
    'x-request-id': requestId,
  });
}
