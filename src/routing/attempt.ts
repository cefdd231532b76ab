import { performance } from 'node:perf_hooks';
import { tokenizer } from '../limits/tokenizer.js';
import type { RequestContext } from '../pipeline/context.js';
import type { Provider } from '../providers/types.js';
import { UpstreamError } from '../providers/types.js';
import { RampartError } from '../errors.js';
import type { StreamEvent } from '../translate/ir.js';
import { estimateTokens, measureInput } from '../limits/tokens.js';
import type { Candidate } from './strategies.js';
import type { RoutingConfig } from './schema.js';
import { abortReason } from './retry.js';
import { LightAbortController } from '../pipeline/abort.js';

export type AttemptOutcome = 'ok' | 'rate_limited' | 'error' | 'timeout' | 'client_error' | 'aborted' | 'stream_error';

/** How the router reads a failed attempt. */
export interface Verdict {
  retry: boolean;
  health: 'success' | 'failure' | 'neutral';
  outcome: AttemptOutcome;
  /** Keep other requests off this deployment for this long (429 / Retry-After). */
  cooldownMs?: number;
}

/** Socket-level failures a provider may let through unwrapped: the upstream is unreachable. */
const CONNECTION_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT']);

export function classify(err: unknown, cfg: RoutingConfig): Verdict {
  if (err instanceof UpstreamError) {
    if (err.midStream) return { retry: false, health: 'failure', outcome: 'stream_error' };
    if (!err.retryable) return { retry: false, health: 'neutral', outcome: 'client_error' };
    if (err.code === 'rate_limited' || err.upstreamStatus === 429) {
      // Rate limiting says nothing about health: no breaker failure, but stay away for a while.
      return { retry: true, health: 'neutral', outcome: 'rate_limited', cooldownMs: err.retryAfterMs ?? cfg.rateLimitCooldownMs };
    }
    return { retry: true, health: 'failure', outcome: err.code === 'upstream_timeout' ? 'timeout' : 'error', cooldownMs: err.retryAfterMs };
  }
  if (err instanceof RampartError) return { retry: false, health: 'neutral', outcome: 'client_error' };
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && CONNECTION_CODES.has(code)) return { retry: true, health: 'failure', outcome: 'error' };
  return { retry: false, health: 'neutral', outcome: 'error' };
}

export interface AttemptEnd {
  (outcome: AttemptOutcome, health: 'success' | 'failure' | 'neutral', ms: number): void;
}

/**
 * One call to one deployment, bounded by the routing timeout (which also covers a provider that
 * would ignore its abort signal). Streams: the timeout runs until the provider accepted the call;
 * the returned stream reports its own end through `end` (a failure after that is mid-stream and
 * is never retried: the caller may already have bytes).
 */
export async function callOnce(ctx: RequestContext, provider: Provider, c: Candidate, cfg: RoutingConfig, end: AttemptEnd): Promise<void> {
  const d = c.d;
  const stream = ctx.chat?.stream === true && !ctx.embed;
  // The client going away aborts the attempt too. Forwarded by hand: AbortSignal.any costs a weak
  // reference and a finalizer per request (~2% of the gateway's CPU, measured).
  const ac = new LightAbortController();
  const forward = () => ac.abort(ctx.signal.reason);
  if (ctx.signal.aborted) forward();
  else ctx.signal.addEventListener('abort', forward, { once: true });
  const signal = ac.signal;
  const limitMs = stream ? cfg.timeouts.streamStartMs : cfg.timeouts.attemptMs;
  // Made only when the timer fires: an error (and its stack) per request costs ~2% of the gateway's CPU.
  let timeout: UpstreamError | undefined;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timeout = new UpstreamError('upstream_timeout', { message: 'The model provider did not answer in time.', retryable: true });
      ac.abort(timeout);
      reject(timeout);
    }, limitMs);
    signal.addEventListener('abort', () => reject(timeout !== undefined && signal.reason === timeout ? timeout : abortReason(ctx.signal)), { once: true });
  });
  deadline.catch(() => {}); // only raced below
  const call = { requestId: ctx.requestId, signal };
  const started = performance.now();
  try {
    if (ctx.embed) ctx.embedding = await Promise.race([provider.embed({ ...ctx.embed, model: d.upstreamModel }, d, call), deadline]);
    else if (stream && ctx.chat) {
      const events = await Promise.race([provider.chatStream(ctx.chat, d, call), deadline]);
      clearTimeout(timer);
      const ms = performance.now() - started;
      ctx.stream = track(ctx, events, (outcome, health) => end(outcome, health, ms));
      return;
    } else if (ctx.chat) ctx.response = await Promise.race([provider.chat(ctx.chat, d, call), deadline]);
    else throw new RampartError('bad_request', { message: 'nothing to route' });
  } catch (err) {
    // Our deadline fired: whatever the provider threw, it is a (retryable) timeout.
    throw ac.signal.aborted && !ctx.signal.aborted ? timeout : err;
  } finally {
    clearTimeout(timer);
  }
  end('ok', 'success', performance.now() - started);
}

/** Cap on text kept to count output tokens of a stream that reported no usage. */
const MAX_COUNTED_CHARS = 256 * 1024;

/**
 * Passes the stream through, settling the attempt when it ends: completed (success), broke off
 * (failure: mid-stream), or abandoned by the consumer (neutral: client gone or a guardrail cut it).
 * A stream that ends without a usage event gets an estimate so limits still count its tokens.
 */
async function* track(ctx: RequestContext, events: AsyncIterable<StreamEvent>, end: (o: AttemptOutcome, h: 'success' | 'failure' | 'neutral') => void): AsyncGenerator<StreamEvent> {
  let sawUsage = false;
  let text = '';
  let chars = 0;
  let settled = false;
  const settle = (o: AttemptOutcome, h: 'success' | 'failure' | 'neutral') => { if (!settled) { settled = true; end(o, h); } };
  try {
    for await (const ev of events) {
      if (ev.type === 'usage') sawUsage = true;
      else if (ev.type === 'text' || ev.type === 'tool_call_delta') {
        const s = ev.type === 'text' ? ev.text : ev.arguments;
        chars += s.length;
        if (text.length < MAX_COUNTED_CHARS) text += s;
      }
      yield ev;
    }
    settle('ok', 'success');
  } catch (err) {
    if (ctx.signal.aborted) settle('aborted', 'neutral');
    else settle('stream_error', 'failure');
    throw err instanceof UpstreamError && !err.midStream
      ? new UpstreamError(err.code, { message: err.message, upstreamStatus: err.upstreamStatus, retryable: err.retryable, midStream: true, cause: err })
      : err;
  } finally {
    settle('aborted', 'neutral');
    if (!sawUsage && !ctx.usage) {
      const counted = tokenizer().countTokens(text);
      const outputTokens = chars > text.length ? Math.ceil(counted * (chars / text.length)) : counted;
      ctx.usage = { inputTokens: estimateTokens(measureInput(ctx.chat)), outputTokens };
    }
  }
}

