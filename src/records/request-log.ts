import type { Logger } from 'pino';
import type { RequestContext } from '../pipeline/context.js';
import type { RecordStage } from '../pipeline/stages.js';
import type { RequestLogRecord, Store } from '../store/types.js';

export interface RequestLogOptions {
  store?: Store;
  logger: Logger;
  /** Write one structured log line per request. */
  logLines: boolean;
  /** Flush to the store at this many records or after flushMs, whichever first. */
  batchSize?: number;
  flushMs?: number;
  /** Records held in memory before new ones are counted as dropped (never silently). */
  maxQueue?: number;
}

export interface RequestLog extends RecordStage {
  flush(): Promise<void>;
  /** Records that could not be queued or written; exposed on /readyz and the log. */
  readonly dropped: number;
  readonly queued: number;
}

/**
 * The structured request log: one line per request (pino, no secrets: the principal id and key id,
 * never the key) and a batched, non-blocking insert into the store. The invocation-log issue
 * replaces the in-memory queue with a durable spool.
 */
export function createRequestLog(opts: RequestLogOptions): RequestLog {
  const batchSize = opts.batchSize ?? 500;
  const flushMs = opts.flushMs ?? 200;
  const maxQueue = opts.maxQueue ?? 50_000;
  let queue: RequestLogRecord[] = [];
  let dropped = 0;
  let timer: NodeJS.Timeout | undefined;
  let inflight: Promise<void> = Promise.resolve();

  const flush = (): Promise<void> => {
    if (timer) { clearTimeout(timer); timer = undefined; }
    if (!opts.store || queue.length === 0) return inflight;
    const batch = queue;
    queue = [];
    const store = opts.store;
    inflight = inflight.then(() =>
      store.requestLog.insertMany(batch).catch((err: unknown) => {
        dropped += batch.length;
        opts.logger.error({ err, records: batch.length, dropped }, 'request log write failed; records dropped');
      }),
    );
    return inflight;
  };

  return {
    name: 'record',
    get dropped() { return dropped; },
    get queued() { return queue.length; },
    flush,
    record(ctx: RequestContext) {
      const rec = toRecord(ctx);
      if (opts.logLines) {
        opts.logger.info({
          requestId: rec.requestId, api: rec.clientApi, op: rec.operation, model: rec.model, deployment: rec.deployment,
          principal: rec.principalId, ip: rec.sourceIp, status: rec.status, error: rec.errorCode,
          tokensIn: rec.inputTokens, tokensOut: rec.outputTokens, ms: rec.latencyMs, ttfbMs: rec.firstByteMs,
          stream: rec.stream, truncated: rec.truncated || undefined, attempts: ctx.attempts,
        }, 'request');
      }
      if (!opts.store) return;
      if (queue.length >= maxQueue) {
        dropped++;
        if (dropped === 1 || dropped % 1000 === 0) opts.logger.error({ dropped }, 'request log queue full; records dropped');
        return;
      }
      queue.push(rec);
      if (queue.length >= batchSize) void flush();
      else if (!timer) { timer = setTimeout(flush, flushMs); timer.unref(); }
    },
  };
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

export function toRecord(ctx: RequestContext): RequestLogRecord {
  const end = ctx.finishedAt ?? ctx.receivedAt;
  return {
    requestId: ctx.requestId,
    time: ctx.startedAt,
    clientApi: ctx.clientApi,
    operation: ctx.operation,
    model: ctx.chat?.model ?? ctx.embed?.model,
    deployment: ctx.deployment?.id,
    principalId: ctx.principal?.id,
    sourceIp: ctx.sourceIp,
    status: ctx.status ?? 0,
    errorCode: ctx.error?.code,
    inputTokens: ctx.usage?.inputTokens,
    outputTokens: ctx.usage?.outputTokens,
    latencyMs: round(end - ctx.receivedAt),
    firstByteMs: ctx.firstByteAt !== undefined ? round(ctx.firstByteAt - ctx.receivedAt) : undefined,
    stream: ctx.chat?.stream ?? false,
    truncated: ctx.truncated,
  };
}
