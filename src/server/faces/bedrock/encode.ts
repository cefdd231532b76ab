/** IR answer -> Converse response JSON, and the Bedrock-shaped guardrail trace. */
import type { GuardrailOutcome } from '../../../pipeline/context.js';
import type { ChatRequest, ChatResponse, JsonValue, TextPart, ToolCallPart } from '../../../translate/ir.js';
import { stopReasonToWire, usageToWire, type ConverseContentBlock, type ConverseResponseBody } from '../../../providers/bedrock/wire.js';
import type { EncodeExtras, WireAnswer } from '../types.js';
import { stringifyJson } from '../../../translate/json-text.js';

/**
 * Bedrock's GuardrailTraceAssessment: INPUT assessments keyed by guardrail id, OUTPUT assessments
 * as a list per guardrail id. Assessments pass through as the guardrail engine built them (already
 * Bedrock-shaped). Undefined unless some guardrail acted, as Bedrock sends a trace only then.
 */
export interface GuardrailTrace {
  inputAssessment?: Record<string, unknown>;
  outputAssessments?: Record<string, unknown[]>;
  actionReason?: string;
}

export function guardrailTrace(outcomes: readonly GuardrailOutcome[]): GuardrailTrace | undefined {
  if (!outcomes.some((o) => o.action !== 'NONE')) return undefined;
  const trace: GuardrailTrace = {};
  for (const o of outcomes) {
    const assessment = o.assessment ?? {};
    if (o.source === 'INPUT') (trace.inputAssessment ??= {})[o.guardrailId] = assessment;
    else ((trace.outputAssessments ??= {})[o.guardrailId] ??= []).push(assessment);
  }
  const intervened = outcomes.find((o) => o.action === 'INTERVENED');
  trace.actionReason = intervened ? `Guardrail ${intervened.guardrailId} blocked.` : 'Guardrail masked.';
  return trace;
}

/** Converse carries tool input as a JSON document; text that is not JSON travels as a string. */
export function toolInput(args: string): JsonValue {
  if (args.trim() === '') return {};
  try {
    return JSON.parse(args) as JsonValue;
  } catch {
    return args;
  }
}

export function contentBlocks(content: Array<TextPart | ToolCallPart>): ConverseContentBlock[] {
  return content.map((p) =>
    p.type === 'text' ? { text: p.text } : { toolUse: { toolUseId: p.id, name: p.name, input: toolInput(p.arguments) } },
  );
}

export function encodeBedrockChat(res: ChatResponse, _req: ChatRequest, extras: EncodeExtras): WireAnswer {
  const body: ConverseResponseBody = {
    output: { message: { role: 'assistant', content: contentBlocks(res.content) } },
    stopReason: stopReasonToWire(res.stopReason),
    usage: usageToWire(res.usage),
    metrics: { latencyMs: Math.round(extras.latencyMs()) },
  };
  const trace = guardrailTrace(extras.guardrails);
  if (trace) body.trace = { guardrail: trace as JsonValue };
  return {
    status: 200,
    headers: { 'content-type': 'application/json', 'x-amzn-requestid': extras.requestId },
    body: stringifyJson(body),
  };
}
