/** Converse response -> IR. Tolerant of fields it does not know; strict about the ones it needs. */
import type { ChatResponse, TextPart, ToolCallPart, Usage } from '../../translate/ir.js';
import { UpstreamError } from '../types.js';
import { isRecord, stopReasonFromWire } from './wire.js';

function malformed(what: string): UpstreamError {
  return new UpstreamError('upstream_error', { message: `Bedrock returned a malformed response (${what}).`, retryable: false });
}

export function usageFromWire(u: unknown): Usage {
  if (!isRecord(u)) return { inputTokens: 0, outputTokens: 0 };
  // Bedrock counts cache reads and writes apart from inputTokens; the IR's inputTokens is the
  // whole prompt, so they are added back in.
  const read = num(u.cacheReadInputTokens);
  const write = num(u.cacheWriteInputTokens);
  const out: Usage = { inputTokens: num(u.inputTokens) + read + write, outputTokens: num(u.outputTokens) };
  if (typeof u.cacheReadInputTokens === 'number') out.cacheReadTokens = read;
  if (typeof u.cacheWriteInputTokens === 'number') out.cacheWriteTokens = write;
  return out;
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

export function fromConverseResponse(body: unknown, meta: { id: string; model: string }): ChatResponse {
  if (!isRecord(body) || !isRecord(body.output) || !isRecord(body.output.message)) throw malformed('no output.message');
  const blocks = body.output.message.content;
  if (!Array.isArray(blocks)) throw malformed('no output.message.content');
  const content: Array<TextPart | ToolCallPart> = [];
  for (const b of blocks) {
    if (!isRecord(b)) continue;
    if (typeof b.text === 'string') content.push({ type: 'text', text: b.text });
    else if (isRecord(b.toolUse)) {
      const t = b.toolUse;
      if (typeof t.toolUseId !== 'string' || typeof t.name !== 'string') throw malformed('toolUse without id or name');
      content.push({ type: 'tool_call', id: t.toolUseId, name: t.name, arguments: JSON.stringify(t.input ?? {}) });
    }
    // reasoningContent, citations and other blocks have no IR form yet; they are dropped.
  }
  return {
    id: meta.id,
    model: meta.model,
    content,
    stopReason: stopReasonFromWire(typeof body.stopReason === 'string' ? body.stopReason : undefined),
    usage: usageFromWire(body.usage),
  };
}
