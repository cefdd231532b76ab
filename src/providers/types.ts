import type { ChatRequest, ChatResponse, EmbeddingRequest, EmbeddingResponse, StreamEvent } from '../translate/ir.js';
import { RampartError, type ErrorCode } from '../errors.js';

export type ProviderKind = 'openai' | 'anthropic' | 'bedrock' | 'demo';

export interface Timeouts {
  /** TCP/TLS connect, ms. */
  connectMs: number;
  /** From request sent to response headers (first byte), ms. */
  firstByteMs: number;
  /** Whole call, ms (for streams: until the last chunk). */
  totalMs: number;
  /** Longest gap between two body chunks, ms. */
  idleMs: number;
}

export const DEFAULT_TIMEOUTS: Timeouts = { connectMs: 5_000, firstByteMs: 60_000, totalMs: 600_000, idleMs: 60_000 };

/** One concrete place a logical model runs: a configured provider and the upstream's model id. */
export interface Deployment {
  /** Unique name, `<provider>/<upstreamModel>` unless configured. */
  id: string;
  provider: string;
  upstreamModel: string;
  weight: number;
  region?: string;
}

/** Per-call facts a provider needs; the provider must honour `signal` (client gone, total timeout). */
export interface UpstreamCall {
  requestId: string;
  signal: AbortSignal;
}

export interface Provider {
  readonly kind: ProviderKind;
  /** The configured provider name. */
  readonly name: string;
  chat(req: ChatRequest, deployment: Deployment, call: UpstreamCall): Promise<ChatResponse>;
  /**
   * Resolves once the upstream has accepted the call (status and headers read, nothing yet sent
   * to the client), so errors up to that point are retryable by the router. Errors thrown while
   * iterating are mid-stream failures (UpstreamError with `midStream: true`).
   */
  chatStream(req: ChatRequest, deployment: Deployment, call: UpstreamCall): Promise<AsyncIterable<StreamEvent>>;
  embed(req: EmbeddingRequest, deployment: Deployment, call: UpstreamCall): Promise<EmbeddingResponse>;
  close(): Promise<void>;
}

export interface UpstreamErrorOptions {
  message: string;
  /** HTTP status the upstream answered, if any. */
  upstreamStatus?: number;
  /** True for 429, 5xx, timeouts and connection errors: the router may retry or fall back. */
  retryable: boolean;
  retryAfterMs?: number;
  /** The stream had already delivered events when this happened. */
  midStream?: boolean;
  cause?: unknown;
}

/**
 * What providers throw. Maps onto the client-facing catalog: an upstream 4xx (other than 429)
 * is passed through as bad_request with the upstream's status so the caller can fix its request;
 * 429 becomes rate_limited; timeouts upstream_timeout; everything else upstream_error.
 */
export class UpstreamError extends RampartError {
  readonly upstreamStatus?: number;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;
  readonly midStream: boolean;

  constructor(code: ErrorCode, opts: UpstreamErrorOptions) {
    const status =
      opts.upstreamStatus !== undefined && opts.upstreamStatus >= 400 && opts.upstreamStatus < 500 ? opts.upstreamStatus : undefined;
    super(code, {
      message: opts.message,
      status,
      retryAfter: opts.retryAfterMs !== undefined ? Math.ceil(opts.retryAfterMs / 1000) : undefined,
      cause: opts.cause,
    });
    this.name = 'UpstreamError';
    this.upstreamStatus = opts.upstreamStatus;
    this.retryable = opts.retryable;
    this.retryAfterMs = opts.retryAfterMs;
    this.midStream = opts.midStream ?? false;
  }
}

/** Builds the right UpstreamError for an upstream HTTP error status. */
export function upstreamHttpError(status: number, message: string, retryAfterHeader?: string | string[]): UpstreamError {
  const retryAfterMs = parseRetryAfter(retryAfterHeader);
  if (status === 429) return new UpstreamError('rate_limited', { message, upstreamStatus: status, retryable: true, retryAfterMs });
  if (status >= 500) return new UpstreamError('upstream_error', { message, upstreamStatus: status, retryable: true, retryAfterMs });
  if (status === 404) return new UpstreamError('model_not_found', { message, upstreamStatus: status, retryable: false });
  return new UpstreamError('bad_request', { message, upstreamStatus: status, retryable: false });
}

export function parseRetryAfter(h: string | string[] | undefined): number | undefined {
  const v = Array.isArray(h) ? h[0] : h;
  if (!v) return undefined;
  const secs = Number(v);
  if (Number.isFinite(secs) && secs >= 0) return secs * 1000;
  const date = Date.parse(v);
  if (!Number.isNaN(date)) return Math.max(0, date - Date.now());
  return undefined;
}
