/** Bedrock failures -> UpstreamError: HTTP error answers, stream exception frames, transport errors. */
import { RampartError } from '../../errors.js';
import { UpstreamError, upstreamHttpError } from '../types.js';
import { isRecord } from './wire.js';

/** `x-amzn-ErrorType` may carry a namespace suffix: `ThrottlingException:http://internal.amazon.com/...`. */
export function errorTypeOf(header: string | string[] | undefined, body: unknown): string | undefined {
  const h = Array.isArray(header) ? header[0] : header;
  const raw = h ?? (isRecord(body) ? (typeof body.__type === 'string' ? body.__type : typeof body.code === 'string' ? body.code : undefined) : undefined);
  if (!raw) return undefined;
  const beforeColon = raw.split(':')[0] ?? raw;
  return beforeColon.slice(beforeColon.lastIndexOf('#') + 1);
}

export function parseErrorBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function httpError(status: number, headers: Record<string, string | string[] | undefined>, bodyText: string): UpstreamError {
  const body = parseErrorBody(bodyText);
  const type = errorTypeOf(headers['x-amzn-errortype'], body);
  const upstreamMsg = isRecord(body) ? (typeof body.message === 'string' ? body.message : typeof body.Message === 'string' ? body.Message : undefined) : undefined;
  const message = `Bedrock ${type ?? `HTTP ${status}`}: ${upstreamMsg ?? 'no detail'}`.slice(0, 1000);
  // Bedrock's own non-standard statuses: a model timeout (408) and a model error (424) are
  // upstream trouble another deployment may not have, not something the caller can fix.
  if (status === 401 || status === 403) {
    // The gateway's own AWS identity was refused: not the caller's fault, and Bedrock's text names
    // IAM roles and account ids, so only the exception name is passed on. Another deployment
    // (other account or region) may still work, hence retryable.
    return new UpstreamError('upstream_error', {
      message: `Bedrock rejected the gateway's credentials (${type ?? 'HTTP'} ${status}).`,
      retryable: true,
    });
  }
  if (type === 'ModelTimeoutException' || status === 408) {
    return new UpstreamError('upstream_timeout', { message, upstreamStatus: status, retryable: true });
  }
  if (type === 'ModelErrorException' || status === 424) {
    return new UpstreamError('upstream_error', { message, retryable: true });
  }
  if (type === 'ThrottlingException' || type === 'ModelNotReadyException' || type === 'ServiceQuotaExceededException') {
    if (status === 429 || status === 400) return upstreamHttpError(429, message, headers['retry-after']);
  }
  return upstreamHttpError(status, message, headers['retry-after']);
}

/** An exception frame inside an event stream (`:message-type: exception`). */
export function streamException(exceptionType: string, bodyText: string, midStream: boolean): UpstreamError {
  const body = parseErrorBody(bodyText);
  const upstreamMsg = isRecord(body) && typeof body.message === 'string' ? body.message : 'no detail';
  const message = `Bedrock ${exceptionType}: ${upstreamMsg}`.slice(0, 1000);
  switch (exceptionType) {
    case 'throttlingException':
      return new UpstreamError('rate_limited', { message, upstreamStatus: 429, retryable: true, midStream });
    case 'validationException':
      return new UpstreamError('bad_request', { message, upstreamStatus: 400, retryable: false, midStream });
    case 'serviceUnavailableException':
      return new UpstreamError('upstream_error', { message, upstreamStatus: 503, retryable: true, midStream });
    default: // internalServerException, modelStreamErrorException, anything newer
      return new UpstreamError('upstream_error', { message, retryable: true, midStream });
  }
}

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/**
 * A thrown error from undici or from our own reading. An abort by `signal` rethrows its reason when
 * that is already a client-safe error (the router's total timeout), so the caller sees why.
 */
export function transportError(err: unknown, signal: AbortSignal, midStream: boolean): RampartError {
  if (err instanceof UpstreamError) return err;
  if (signal.aborted) {
    if (signal.reason instanceof RampartError) return signal.reason;
    if (isRecord(signal.reason) && signal.reason.name === 'TimeoutError') {
      return new UpstreamError('upstream_timeout', { message: 'Bedrock did not finish in time.', retryable: true, midStream, cause: err });
    }
    return new UpstreamError('upstream_error', { message: 'The Bedrock call was aborted.', retryable: false, midStream, cause: err });
  }
  const code = isRecord(err) && typeof err.code === 'string' ? err.code : undefined;
  if (code && TIMEOUT_CODES.has(code)) {
    return new UpstreamError('upstream_timeout', { message: 'Bedrock did not answer in time.', retryable: true, midStream, cause: err });
  }
  return new UpstreamError('upstream_error', { message: 'Could not reach Bedrock.', retryable: true, midStream, cause: err });
}
