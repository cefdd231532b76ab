import type { Logger } from 'pino';
import type { RequestContext } from '../pipeline/context.js';

/**
 * One structured log line per request (pino): ids, status, tokens and timings, never a credential
 * or a payload (the principal id and key id, not the key). The durable record of every call is the
 * Recorder's invocation record and audit event; this line is for operators tailing the log.
 */
export function logRequestLine(logger: Logger, ctx: RequestContext): void {
  const end = ctx.finishedAt ?? ctx.receivedAt;
  logger.info({
    requestId: ctx.requestId,
    api: ctx.clientApi,
    op: ctx.operation,
    model: ctx.chat?.model ?? ctx.embed?.model,
    deployment: ctx.deployment?.id,
    principal: ctx.principal?.id,
    ip: ctx.sourceIp,
    status: ctx.status,
    error: ctx.error?.code,
    tokensIn: ctx.usage?.inputTokens,
    tokensOut: ctx.usage?.outputTokens,
    ms: Math.round((end - ctx.receivedAt) * 1000) / 1000,
    ttfbMs: ctx.firstByteAt !== undefined ? Math.round((ctx.firstByteAt - ctx.receivedAt) * 1000) / 1000 : undefined,
    stream: ctx.chat?.stream || undefined,
    truncated: ctx.truncated || undefined,
    attempts: ctx.attempts,
  }, 'request');
}
