/**
 * Rampart errors in Bedrock's wire shape: a JSON `{"message"}` body with the exception name in
 * `x-amzn-ErrorType` (what the AWS SDK reads to throw the named exception class), and inside a
 * stream an exception frame with `:exception-type`.
 */
import type { ErrorCode, RampartError } from '../../../errors.js';
import type { StreamExceptionType } from '../../../providers/bedrock/wire.js';
import type { WireAnswer } from '../types.js';

export type BedrockErrorType =
  | 'ValidationException'
  | 'AccessDeniedException'
  | 'UnrecognizedClientException'
  | 'ResourceNotFoundException'
  | 'ThrottlingException'
  | 'ServiceQuotaExceededException'
  | 'ModelTimeoutException'
  | 'InternalServerException'
  | 'ServiceUnavailableException';

const BY_CODE: Record<ErrorCode, BedrockErrorType> = {
  bad_request: 'ValidationException',
  unauthorized: 'UnrecognizedClientException',
  forbidden: 'AccessDeniedException',
  not_found: 'ResourceNotFoundException',
  model_not_found: 'ResourceNotFoundException',
  payload_too_large: 'ValidationException',
  unsupported_media_type: 'ValidationException',
  rate_limited: 'ThrottlingException',
  guardrail_intervened: 'ValidationException',
  upstream_error: 'InternalServerException',
  upstream_unavailable: 'ServiceUnavailableException',
  upstream_timeout: 'ModelTimeoutException',
  request_timeout: 'ValidationException',
  shutting_down: 'ServiceUnavailableException',
  internal: 'InternalServerException',
};

/**
 * An upstream 4xx passed through as bad_request keeps its status; name it the way Bedrock names
 * that status so SDK users can catch the usual class.
 */
const BY_PASSTHROUGH_STATUS: Record<number, BedrockErrorType> = {
  401: 'UnrecognizedClientException',
  403: 'AccessDeniedException',
  404: 'ResourceNotFoundException',
  429: 'ThrottlingException',
};

export function bedrockErrorType(err: RampartError): BedrockErrorType {
  if (err.code === 'bad_request') return BY_PASSTHROUGH_STATUS[err.status] ?? 'ValidationException';
  return BY_CODE[err.code];
}

/** Internal errors carry only the request id: their detail is for the log, never the caller. */
export function clientMessage(err: RampartError, requestId: string): string {
  return err.code === 'internal' ? `${err.message} Request id: ${requestId}.` : err.message;
}

export function encodeBedrockError(err: RampartError, requestId: string): WireAnswer {
  const headers: Record<string, string> = {
    ...(err.headers ?? {}),
    'content-type': 'application/json',
    'x-amzn-errortype': bedrockErrorType(err),
    'x-amzn-requestid': requestId,
  };
  if (err.retryAfter !== undefined) headers['retry-after'] = String(err.retryAfter);
  return { status: err.status, headers, body: JSON.stringify({ message: clientMessage(err, requestId) }) };
}

/** The ConverseStreamOutput exception members are the only names the SDK can raise mid-stream. */
export function streamExceptionType(err: RampartError): StreamExceptionType {
  switch (bedrockErrorType(err)) {
    case 'ThrottlingException':
    case 'ServiceQuotaExceededException':
      return 'throttlingException';
    case 'ValidationException':
    case 'AccessDeniedException':
    case 'UnrecognizedClientException':
    case 'ResourceNotFoundException':
      return 'validationException';
    case 'ServiceUnavailableException':
      return 'serviceUnavailableException';
    default:
      return 'internalServerException';
  }
}
