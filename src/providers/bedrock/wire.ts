/**
 * The subset of the Bedrock Converse wire format (restJson1, as the AWS SDK serialises it) that
 * Rampart reads and writes. Shared by the `bedrock` provider and the Bedrock client face so the
 * two sides cannot drift apart. Shapes follow the SDK's schemas (client-bedrock-runtime
 * schemas_0.js): blob fields (image bytes) travel as base64 strings, documents as plain JSON.
 */
import type { JsonObject, JsonValue, StopReason } from '../../translate/ir.js';

export interface ConverseImageBlock {
  format: string;
  source: { bytes?: string; s3Location?: JsonValue };
}

export interface ConverseToolUseBlock {
  toolUseId: string;
  name: string;
  input: JsonValue;
}

export interface ConverseToolResultContent {
  text?: string;
  json?: JsonValue;
  image?: ConverseImageBlock;
}

export interface ConverseToolResultBlock {
  toolUseId: string;
  content: ConverseToolResultContent[];
  status?: 'success' | 'error';
}

/** A union on the wire: exactly one member is set. */
export interface ConverseContentBlock {
  text?: string;
  image?: ConverseImageBlock;
  toolUse?: ConverseToolUseBlock;
  toolResult?: ConverseToolResultBlock;
  reasoningContent?: JsonValue;
  cachePoint?: JsonValue;
  guardContent?: { text?: { text: string } };
}

export interface ConverseMessage {
  role: 'user' | 'assistant';
  content: ConverseContentBlock[];
}

export interface ConverseToolSpec {
  toolSpec: { name: string; description?: string; inputSchema: { json: JsonObject } };
}

export type ConverseToolChoice = { auto: JsonObject } | { any: JsonObject } | { tool: { name: string } };

export interface ConverseRequestBody {
  messages: ConverseMessage[];
  system?: Array<{ text: string }>;
  inferenceConfig?: { maxTokens?: number; temperature?: number; topP?: number; stopSequences?: string[] };
  toolConfig?: { tools: ConverseToolSpec[]; toolChoice?: ConverseToolChoice };
  outputConfig?: { textFormat: { type: 'json_schema'; structure: { jsonSchema: { schema: string; name?: string } } } };
}

export interface ConverseUsage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  cacheReadInputTokens?: number;
  cacheWriteInputTokens?: number;
}

export type ConverseStopReason =
  | 'end_turn'
  | 'tool_use'
  | 'max_tokens'
  | 'stop_sequence'
  | 'guardrail_intervened'
  | 'content_filtered'
  | 'malformed_model_output'
  | 'malformed_tool_use'
  | 'model_context_window_exceeded';

export interface ConverseResponseBody {
  output: { message: ConverseMessage };
  stopReason: string;
  usage: ConverseUsage;
  metrics: { latencyMs: number };
  trace?: { guardrail?: JsonValue };
}

/** Stream exception event names (the `:exception-type` header), as in ConverseStreamOutput. */
export type StreamExceptionType =
  | 'internalServerException'
  | 'modelStreamErrorException'
  | 'validationException'
  | 'throttlingException'
  | 'serviceUnavailableException';

const IMAGE_FORMATS: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/jpg': 'jpeg',
  'image/gif': 'gif',
  'image/webp': 'webp',
};

/** IR media type -> Converse image format; undefined when Bedrock cannot take it. */
export function imageFormatOf(mediaType: string): string | undefined {
  return IMAGE_FORMATS[mediaType.toLowerCase()];
}

export function mediaTypeOf(format: string): string | undefined {
  return ['png', 'jpeg', 'gif', 'webp'].includes(format) ? `image/${format}` : undefined;
}

/** Converse -> IR. Unknown reasons (a newer API) become end_turn rather than failing a finished answer. */
export function stopReasonFromWire(s: string | undefined): StopReason {
  switch (s) {
    case 'tool_use':
      return 'tool_use';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'max_tokens';
    case 'stop_sequence':
      return 'stop_sequence';
    case 'guardrail_intervened':
      return 'guardrail_intervened';
    case 'content_filtered':
      return 'content_filter';
    default:
      return 'end_turn';
  }
}

export function stopReasonToWire(s: StopReason): ConverseStopReason {
  return s === 'content_filter' ? 'content_filtered' : s;
}

/** IR usage counts cached tokens inside inputTokens; Bedrock reports them beside it. */
export function usageToWire(u: { inputTokens: number; outputTokens: number; cacheReadTokens?: number; cacheWriteTokens?: number }): ConverseUsage {
  const uncached = Math.max(0, u.inputTokens - (u.cacheReadTokens ?? 0) - (u.cacheWriteTokens ?? 0));
  const out: ConverseUsage = { inputTokens: uncached, outputTokens: u.outputTokens, totalTokens: u.inputTokens + u.outputTokens };
  if (u.cacheReadTokens !== undefined) out.cacheReadInputTokens = u.cacheReadTokens;
  if (u.cacheWriteTokens !== undefined) out.cacheWriteInputTokens = u.cacheWriteTokens;
  return out;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
