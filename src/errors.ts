/**
 * The one catalog of errors a client may see. Anything thrown that is not a RampartError becomes
 * `internal` (a generic 500 carrying the request id); its detail goes to the log only.
 * docs/errors.md lists the same codes; src/errors.test.ts keeps the two in step.
 */

export const ERRORS = {
  bad_request: { status: 400, message: 'The request is malformed.' },
  unauthorized: { status: 401, message: 'Missing or invalid credentials.' },
  forbidden: { status: 403, message: 'The caller is not allowed to do this.' },
  not_found: { status: 404, message: 'No such resource.' },
  model_not_found: { status: 404, message: 'No such model.' },
  payload_too_large: { status: 413, message: 'The request body is too large.' },
  unsupported_media_type: { status: 415, message: 'The request body must be JSON.' },
  rate_limited: { status: 429, message: 'Rate limit exceeded.' },
  guardrail_intervened: { status: 400, message: 'A guardrail blocked the request.' },
  upstream_error: { status: 502, message: 'The model provider returned an error.' },
  upstream_unavailable: { status: 503, message: 'No model provider is available.' },
  upstream_timeout: { status: 504, message: 'The model provider did not answer in time.' },
  request_timeout: { status: 408, message: 'The client was too slow to send the request.' },
  shutting_down: { status: 503, message: 'The gateway is shutting down.' },
  internal: { status: 500, message: 'Internal error.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

export interface RampartErrorOptions {
  /** Client-visible detail; never include secrets. Defaults to the catalog message. */
  message?: string;
  /** Field path for bad requests, e.g. `messages[2].content`. */
  param?: string;
  /** Overrides the catalog status (upstream errors pass the upstream's 4xx through). */
  status?: number;
  /** Seconds; sent as Retry-After. */
  retryAfter?: number;
  headers?: Record<string, string>;
  cause?: unknown;
}

export class RampartError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly param?: string;
  readonly retryAfter?: number;
  readonly headers?: Record<string, string>;

  constructor(code: ErrorCode, opts: RampartErrorOptions = {}) {
    super(opts.message ?? ERRORS[code].message, { cause: opts.cause });
    this.name = 'RampartError';
    this.code = code;
    this.status = opts.status ?? ERRORS[code].status;
    this.param = opts.param;
    this.retryAfter = opts.retryAfter;
    this.headers = opts.headers;
  }
}

/** Converts anything thrown into a client-safe error. */
export function toRampartError(err: unknown): RampartError {
  if (err instanceof RampartError) return err;
  return new RampartError('internal', { cause: err });
}

export function badRequest(message: string, param?: string): RampartError {
  return new RampartError('bad_request', { message, param });
}
