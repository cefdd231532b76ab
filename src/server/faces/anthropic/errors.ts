/**
 * RampartError -> Anthropic error JSON. `error.type` follows the status the way Anthropic's API
 * does, so the SDK raises the matching class; the message already names the field path, since
 * Anthropic's format has no `param`.
 */
import type { RampartError } from '../../../errors.js';
import { errorHeaders, jsonAnswer } from '../json.js';
import type { WireAnswer } from '../types.js';

export function anthropicErrorType(err: RampartError): string {
  switch (err.status) {
    case 401: return 'authentication_error';
    case 403: return 'permission_error';
    case 404: return 'not_found_error';
    case 413: return 'request_too_large';
    case 429: return 'rate_limit_error';
    // 503 from the gateway means "no capacity right now", which Anthropic calls overloaded.
    case 503: case 529: return 'overloaded_error';
    default: return err.status >= 500 ? 'api_error' : 'invalid_request_error';
  }
}

export function anthropicErrorBody(err: RampartError, requestId: string): { type: 'error'; error: { type: string; message: string } } {
  const message = err.code === 'internal' ? `${err.message} (request id ${requestId})` : err.message;
  return { type: 'error', error: { type: anthropicErrorType(err), message } };
}

export function encodeAnthropicError(err: RampartError, requestId: string): WireAnswer {
  return jsonAnswer(err.status, { ...anthropicErrorBody(err, requestId), request_id: requestId }, {
    ...errorHeaders(err),
    'request-id': requestId,
  });
}
