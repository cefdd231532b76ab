/**
 * The HTTP plumbing every JSON-over-HTTP provider shares (OpenAI-compatible and Anthropic): on the
 * provider's undici dispatcher, `callJson` (dispatch API) for whole JSON answers and `postJson`
 * (request API) for streams, size-bounded body reads, and one mapping from transport failures to
 * UpstreamError. Providers keep only their wire codecs.
 */
import type { Readable } from 'node:stream';
import { request, type Dispatcher } from './undici.js';
import { RampartError } from '../errors.js';
import type { StreamEvent } from '../translate/ir.js';
import { UpstreamError, upstreamHttpError, type Timeouts, type UpstreamCall } from './types.js';
import { linkedSignal } from './http.js';

export const MAX_ERROR_BODY_BYTES = 64 * 1024;
export const MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

/** One call's abort signal: the caller's signal plus the provider's whole-call timeout. */
export interface CallScope {
  signal: AbortSignal;
  call: UpstreamCall;
  /** The whole-call timeout fired. */
  timedOut(): boolean;
  /** The call is over (body read, stream ended or abandoned): stop its timer. */
  end(): void;
}

export function callScope(call: UpstreamCall, timeouts: Timeouts): CallScope {
  const linked = linkedSignal(call.signal, timeouts.totalMs);
  return { signal: linked.signal, call, timedOut: linked.timedOut, end: linked.end };
}

export interface PostOptions {
  dispatcher: Dispatcher;
  url: URL;
  headers: Record<string, string>;
  body: string;
  scope: CallScope;
  /** Accept header; SSE for streams. */
  accept?: string;
}

/** Streaming calls: sends the request; resolves with a 2xx response for the codec to read, throws UpstreamError otherwise. */
export async function postJson(o: PostOptions): Promise<Dispatcher.ResponseData> {
  let res: Dispatcher.ResponseData;
  try {
    res = await request(o.url, {
      method: 'POST',
      dispatcher: o.dispatcher,
      headers: { 'content-type': 'application/json', accept: o.accept ?? 'application/json', ...o.headers },
      body: o.body,
      signal: o.scope.signal,
    });
  } catch (err) {
    const e = toUpstreamError(err, o.scope, false);
    o.scope.end();
    throw e;
  }
  if (res.statusCode >= 200 && res.statusCode < 300) return res;
  o.scope.end();
  let text = '';
  try {
    text = await readErrorText(res.body, MAX_ERROR_BODY_BYTES);
  } catch {
    // The status is what matters; an unreadable error body leaves a generic message.
  }
  throw httpError(res.statusCode, text, res.headers);
}

function httpError(status: number, text: string, headers: Dispatcher.ResponseData['headers']): UpstreamError {
  if (status === 401 || status === 403) {
    // The gateway's own credentials were refused: not the caller's fault, and the upstream's text
    // may echo part of the key, so it is not passed on. Other deployments may still work.
    return new UpstreamError('upstream_error', {
      message: `The model provider rejected the gateway's credentials (HTTP ${status}).`,
      retryable: true,
    });
  }
  const ms = headerString(headers['retry-after-ms']);
  const retryAfter = ms !== undefined && Number.isFinite(Number(ms)) ? String(Number(ms) / 1000) : headers['retry-after'];
  const err = upstreamHttpError(status, upstreamMessage(status, text), retryAfter);
  return err;
}

function headerString(h: string | string[] | undefined): string | undefined {
  return Array.isArray(h) ? h[0] : h;
}

/** The upstream's own error message when it sent a JSON error body, else a neutral one. */
export function upstreamMessage(status: number, text: string): string {
  try {
    const j = JSON.parse(text) as unknown;
    const msg = pickMessage(j);
    if (msg) return msg.length > 1000 ? `${msg.slice(0, 1000)}…` : msg;
  } catch {
    // HTML from a proxy or similar: not something to show a client.
  }
  return `The model provider answered HTTP ${status}.`;
}

function pickMessage(j: unknown): string | undefined {
  if (!j || typeof j !== 'object') return undefined;
  const o = j as Record<string, unknown>;
  const e = o.error;
  if (e && typeof e === 'object' && typeof (e as Record<string, unknown>).message === 'string') return (e as { message: string }).message;
  if (typeof e === 'string') return e;
  if (typeof o.message === 'string') return o.message;
  return undefined;
}

/** Reads an error body up to `limit` bytes, cutting the rest (streaming calls; callJson cuts its own). */
async function readErrorText(body: AsyncIterable<Buffer> & { destroy(): unknown }, limit: number): Promise<string> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const chunk of body) {
    n += chunk.length;
    if (n > limit) {
      body.destroy();
      parts.push(chunk.subarray(0, chunk.length - (n - limit)));
      break;
    }
    parts.push(chunk);
  }
  return Buffer.concat(parts).toString('utf8');
}

/**
 * Sends a request and reads its JSON answer (non-streaming calls). Through undici's dispatch API with a handler that
 * collects the bytes: the `request` API's response stream and async iteration cost ~13 µs of CPU a call here (a
 * third of the call), for a body read whole anyway. A 2xx body over MAX_RESPONSE_BYTES fails closed; an error body
 * is cut at MAX_ERROR_BODY_BYTES. The caller's signal (client gone, timeouts) aborts the call, queued or not.
 */
export async function callJson(o: PostOptions): Promise<unknown> {
  const { status, headers, text } = await exchange(o);
  if (status < 200 || status >= 300) throw httpError(status, text, headers);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new UpstreamError('upstream_error', { message: 'The model provider sent malformed JSON.', retryable: true, cause: err });
  }
}

interface Exchange {
  status: number;
  headers: Dispatcher.ResponseData['headers'];
  text: string;
}

function exchange(o: PostOptions): Promise<Exchange> {
  const { scope } = o;
  return new Promise<Exchange>((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    let status = 0;
    let headers: Exchange['headers'] = {};
    let controller: Dispatcher.DispatchController | undefined;
    let abortReason: Error | undefined;
    let settled = false;
    const collected = () => Buffer.concat(parts).toString('utf8');
    const settle = (err: RampartError | undefined, text = '') => {
      if (settled) return;
      settled = true;
      scope.signal.removeEventListener('abort', onAbort);
      scope.end();
      if (err) reject(err);
      else resolve({ status, headers, text });
    };
    // Settles at once; a request still queued for a connection is aborted when it gets one.
    const onAbort = () => {
      abortReason = scope.signal.reason instanceof Error ? scope.signal.reason : new Error('aborted');
      controller?.abort(abortReason);
      settle(toUpstreamError(abortReason, scope, false));
    };
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(c) {
        controller = c;
        if (abortReason) c.abort(abortReason);
      },
      onResponseStart(_c, statusCode, h) {
        // 1xx (103 Early Hints, say) come through here too; only the final answer counts.
        if (statusCode < 200) return;
        status = statusCode;
        headers = h;
      },
      onResponseData(c, chunk) {
        if (settled) return;
        const ok = status >= 200 && status < 300;
        const limit = ok ? MAX_RESPONSE_BYTES : MAX_ERROR_BODY_BYTES;
        size += chunk.length;
        if (size <= limit) {
          parts.push(chunk);
          return;
        }
        if (ok) {
          settle(new UpstreamError('upstream_error', { message: 'The model provider response is too large.', retryable: false }));
        } else {
          parts.push(chunk.subarray(0, chunk.length - (size - limit)));
          settle(undefined, collected());
        }
        // The rest of the body is not wanted: the connection goes rather than being drained.
        c.abort(new Error('response body over its limit'));
      },
      onResponseEnd() {
        settle(undefined, collected());
      },
      onResponseError(_c, err) {
        // An error body that breaks off still answers with its status, as far as it came.
        if (status !== 0 && (status < 200 || status >= 300)) settle(undefined, collected());
        else settle(toUpstreamError(err, scope, false));
      },
    };
    if (scope.signal.aborted) return onAbort();
    scope.signal.addEventListener('abort', onAbort, { once: true });
    try {
      o.dispatcher.dispatch(
        {
          origin: o.url.origin,
          path: `${o.url.pathname}${o.url.search}`,
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: o.accept ?? 'application/json', ...o.headers },
          body: o.body,
        },
        handler,
      );
    } catch (err) {
      // undici reports its own failures through onResponseError; this is for a dispatcher that throws.
      settle(toUpstreamError(err, scope, false));
    }
  });
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/** Any failure of a call, mapped for the router. `midStream` once events have reached the caller. */
export function toUpstreamError(err: unknown, scope: CallScope, midStream: boolean): RampartError {
  if (err instanceof UpstreamError) {
    if (err.midStream === midStream) return err;
    // Whether events reached the caller is known here, not where the codec threw.
    return new UpstreamError(err.code, {
      message: err.message,
      upstreamStatus: err.upstreamStatus,
      retryable: err.retryable,
      retryAfterMs: err.retryAfterMs,
      midStream,
      cause: err.cause,
    });
  }
  if (scope.call.signal.aborted) {
    // The caller gave up (client gone, router deadline): surface its reason when it is ours.
    const reason: unknown = scope.call.signal.reason;
    if (reason instanceof RampartError) return reason;
    return new UpstreamError('upstream_error', { message: 'The upstream call was aborted.', retryable: false, midStream, cause: err });
  }
  const code = (err as { code?: unknown } | null)?.code;
  if (scope.timedOut() || (typeof code === 'string' && TIMEOUT_CODES.has(code))) {
    return new UpstreamError('upstream_timeout', { message: 'The model provider did not answer in time.', retryable: true, midStream, cause: err });
  }
  return new UpstreamError('upstream_error', {
    message: midStream ? 'The model provider stream broke off.' : 'Could not reach the model provider.',
    retryable: true,
    midStream,
    cause: err,
  });
}

/**
 * Waits for the first event before handing the stream over, so a stream that fails or stalls
 * before producing anything is still an ordinary (retryable) error, then marks every later
 * failure as mid-stream.
 */
export async function primeStream(events: AsyncGenerator<StreamEvent>, scope: CallScope, body?: Readable): Promise<AsyncIterable<StreamEvent>> {
  let first: IteratorResult<StreamEvent>;
  try {
    first = await events.next();
  } catch (err) {
    release(body, false);
    const e = toUpstreamError(err, scope, false);
    scope.end();
    throw e;
  }
  return {
    [Symbol.asyncIterator]: async function* () {
      let complete = false;
      try {
        if (first.done) return;
        yield first.value;
        while (true) {
          const r = await events.next();
          if (r.done) break;
          yield r.value;
        }
        complete = true;
      } catch (err) {
        throw toUpstreamError(err, scope, true);
      } finally {
        // Also runs when the consumer stops early.
        await events.return(undefined).catch(() => undefined);
        release(body, complete);
        scope.end();
      }
    },
  };
}

/**
 * The body iterator for SSE parsing. It does not destroy the body when the codec stops at the
 * terminal event, so `release` can drain the last bytes and undici can reuse the connection.
 */
export function bodyChunks(body: Readable): AsyncIterable<Buffer> {
  return { [Symbol.asyncIterator]: () => body.iterator({ destroyOnReturn: false }) as AsyncIterator<Buffer> };
}

function release(body: Readable | undefined, complete: boolean): void {
  if (!body || body.destroyed) return;
  // The parser's iterator has let go of the body, so nobody else listens for its errors now.
  body.on('error', () => undefined);
  if (complete) body.resume();
  else body.destroy();
}

/** For codecs: the stream ended or broke in a way the wire format does not allow. */
export function malformed(message: string): UpstreamError {
  return new UpstreamError('upstream_error', { message, retryable: true, midStream: true });
}

