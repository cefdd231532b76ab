/**
 * Rampart's canonical chat representation. Every client face decodes into it and every provider
 * encodes from it, so N client APIs and M provider APIs need N + M codecs instead of N x M
 * translators (a deliberate departure from one-translator-per-pair: the pairs would share 90% of
 * their code). Guardrails, limits and records only ever look at this shape.
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export type Role = 'user' | 'assistant' | 'tool';

/** `guard`: a Bedrock guardContent block, which the client asks the guardrail to assess as user input. */
export interface TextPart { type: 'text'; text: string; guard?: true }
/** Inline image, base64 data (URLs are refused: fetching them would be an egress the operator did not configure). */
export interface ImagePart { type: 'image'; mediaType: string; data: string }
/** A tool call made by the assistant; `arguments` is JSON text exactly as the model produced it. */
export interface ToolCallPart { type: 'tool_call'; id: string; name: string; arguments: string }
/** The result of a tool call, sent back by the client. */
export interface ToolResultPart { type: 'tool_result'; toolCallId: string; content: string; isError?: boolean }
export type Part = TextPart | ImagePart | ToolCallPart | ToolResultPart;

export interface Message { role: Role; content: Part[] }

export interface ToolDef { name: string; description?: string; parameters: JsonObject }
export type ToolChoice = 'auto' | 'none' | 'required' | { name: string };

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; name: string; schema: JsonObject; strict?: boolean };

export interface ChatRequest {
  /** The model name as the client sent it (a logical model of the catalog). */
  model: string;
  /** System prompts in order (OpenAI system/developer messages, Anthropic `system`, Bedrock `system`). */
  system: string[];
  /** Indices of `system` entries that were Bedrock guardContent blocks (assessed as user input). */
  guardedSystem?: number[];
  messages: Message[];
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  stop?: string[];
  tools?: ToolDef[];
  toolChoice?: ToolChoice;
  responseFormat?: ResponseFormat;
  stream: boolean;
  /** OpenAI `stream_options.include_usage`; other faces always report usage. */
  includeUsage?: boolean;
  /** End-user id supplied by the client (OpenAI `user`, Anthropic `metadata.user_id`). */
  user?: string;
  /** A guardrail the client asks for on top of the operator's (Bedrock `guardrailConfig`). */
  guardrail?: { id: string; version?: string; trace?: boolean };
}

export type StopReason =
  | 'end_turn'
  | 'max_tokens'
  | 'stop_sequence'
  | 'tool_use'
  | 'content_filter'
  | 'guardrail_intervened';

/**
 * Token usage. `inputTokens` counts ALL input tokens, cached ones included (OpenAI's prompt_tokens
 * semantics); `cacheReadTokens` / `cacheWriteTokens` say how many of them were cache reads / writes.
 * Providers whose API reports them separately (Anthropic, Bedrock) add them into inputTokens.
 */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
}

export interface ChatResponse {
  id: string;
  /** Model id as reported by the upstream. */
  model: string;
  /** Only text and tool_call parts. */
  content: Array<TextPart | ToolCallPart>;
  stopReason: StopReason;
  usage: Usage;
}

/**
 * Streaming events. `index` is the content block index (0-based, in order of appearance).
 * A `text` event for a new index opens a text block; `tool_call_start` opens a tool block.
 * Producers emit `block_stop` for every block they opened, then exactly one `stop`, then
 * at most one `usage`. The end of the iterable is the end of the stream.
 */
export type StreamEvent =
  | { type: 'start'; id: string; model: string }
  | { type: 'text'; index: number; text: string }
  | { type: 'tool_call_start'; index: number; id: string; name: string }
  | { type: 'tool_call_delta'; index: number; arguments: string }
  | { type: 'block_stop'; index: number }
  | { type: 'stop'; stopReason: StopReason }
  | { type: 'usage'; usage: Usage };

export interface EmbeddingRequest {
  model: string;
  input: string[];
  dimensions?: number;
  user?: string;
  /** How the client wants vectors back (OpenAI `encoding_format`); faces encode, providers ignore it. */
  encodingFormat?: 'float' | 'base64';
}

export interface EmbeddingResponse {
  model: string;
  vectors: number[][];
  usage: { inputTokens: number };
}

/** All text of a request that a guardrail or a token counter should see, in order. */
export function requestTexts(req: ChatRequest): string[] {
  const out: string[] = [...req.system];
  for (const m of req.messages) {
    for (const p of m.content) {
      if (p.type === 'text') out.push(p.text);
      else if (p.type === 'tool_result') out.push(p.content);
      else if (p.type === 'tool_call') out.push(p.arguments);
    }
  }
  return out;
}

export function responseText(res: ChatResponse): string {
  let s = '';
  for (const p of res.content) if (p.type === 'text') s += p.text;
  return s;
}
