/** IR ChatResponse -> OpenAI `chat.completion` object. */
import type { ChatRequest, ChatResponse, StopReason, Usage } from '../../../translate/ir.js';
import { guardrailSummary, jsonAnswer, nowSeconds, prefixed } from '../json.js';
import type { EncodeExtras, WireAnswer } from '../types.js';

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

export function finishReason(r: StopReason): FinishReason {
  switch (r) {
    case 'end_turn': case 'stop_sequence': return 'stop';
    case 'max_tokens': return 'length';
    case 'tool_use': return 'tool_calls';
    // A guardrail block is OpenAI's content filter from the caller's point of view.
    case 'content_filter': case 'guardrail_intervened': return 'content_filter';
  }
}

export interface OpenAIUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
}

export function openaiUsage(u: Usage): OpenAIUsage {
  // inputTokens passes through as is: the IR leaves it to providers whether it counts cached
  // tokens, and adding them here could count them twice.
  return {
    prompt_tokens: u.inputTokens,
    completion_tokens: u.outputTokens,
    total_tokens: u.inputTokens + u.outputTokens,
    prompt_tokens_details: { cached_tokens: u.cacheReadTokens ?? 0 },
  };
}

export function completionId(id: string): string {
  return prefixed('chatcmpl-', id);
}

export function encodeOpenAIChat(res: ChatResponse, req: ChatRequest, extras: EncodeExtras): WireAnswer {
  let text = '';
  const toolCalls: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }> = [];
  for (const p of res.content) {
    if (p.type === 'text') text += p.text;
    else toolCalls.push({ id: p.id, type: 'function', function: { name: p.name, arguments: p.arguments } });
  }
  const message: Record<string, unknown> = {
    role: 'assistant',
    // OpenAI sends null, not "", when the turn is only tool calls.
    content: text === '' && toolCalls.length > 0 ? null : text,
    refusal: null,
    annotations: [],
  };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  const body: Record<string, unknown> = {
    id: completionId(res.id),
    object: 'chat.completion',
    created: nowSeconds(),
    // The name the client asked for: the upstream's id would leak the routing decision.
    model: req.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason(res.stopReason) }],
    usage: openaiUsage(res.usage),
  };
  // `rampart_guardrails`: Rampart's additive field, see guardrailSummary in ../json.ts.
  const guardrails = guardrailSummary(extras.guardrails);
  if (guardrails) body.rampart_guardrails = guardrails;
  return jsonAnswer(200, body, { 'x-request-id': extras.requestId });
}
