/** IR ChatResponse -> Anthropic `message` object. */
import type { ChatRequest, ChatResponse, StopReason, Usage } from '../../../translate/ir.js';
import { guardrailSummary, jsonAnswer, prefixed } from '../json.js';
import type { EncodeExtras, WireAnswer } from '../types.js';

export type AnthropicStopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'refusal';

export function anthropicStopReason(r: StopReason): AnthropicStopReason {
  // Anthropic's own safety stop is `refusal`; a gateway block looks the same to the caller.
  if (r === 'content_filter' || r === 'guardrail_intervened') return 'refusal';
  return r;
}

export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
}

/** The IR's inputTokens includes cached tokens; Anthropic reports them apart from input_tokens. */
export function anthropicUsage(u: Usage): AnthropicUsage {
  const cached = (u.cacheReadTokens ?? 0) + (u.cacheWriteTokens ?? 0);
  return {
    input_tokens: Math.max(0, u.inputTokens - cached),
    output_tokens: u.outputTokens,
    cache_read_input_tokens: u.cacheReadTokens ?? 0,
    cache_creation_input_tokens: u.cacheWriteTokens ?? 0,
  };
}

export function messageId(id: string): string {
  return prefixed('msg_', id);
}

/** Tool arguments are JSON text in the IR; Anthropic wants an object. */
export function toolInput(args: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(args === '' ? '{}' : args);
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through: a model can emit broken JSON; the caller still needs a well-formed message
  }
  return {};
}

export function encodeAnthropicChat(res: ChatResponse, req: ChatRequest, extras: EncodeExtras): WireAnswer {
  const content = res.content.map((p) =>
    p.type === 'text'
      ? { type: 'text', text: p.text }
      : { type: 'tool_use', id: p.id, name: p.name, input: toolInput(p.arguments) });
  const body: Record<string, unknown> = {
    id: messageId(res.id),
    type: 'message',
    role: 'assistant',
    model: req.model,
    content,
    stop_reason: anthropicStopReason(res.stopReason),
    stop_sequence: null,
    usage: anthropicUsage(res.usage),
  };
  // `rampart_guardrails`: Rampart's additive field, see guardrailSummary in ../json.ts.
  const guardrails = guardrailSummary(extras.guardrails);
  if (guardrails) body.rampart_guardrails = guardrails;
  return jsonAnswer(200, body, { 'request-id': extras.requestId });
}
