/** IR -> OpenAI Chat Completions / Embeddings request bodies. */
import type { ChatRequest, EmbeddingRequest, JsonObject, Message, ToolChoice } from '../../translate/ir.js';

export interface OpenAIEncodeOptions {
  upstreamModel: string;
  /**
   * OpenAI itself (and Azure) want `max_completion_tokens` (reasoning models refuse `max_tokens`);
   * most other OpenAI-compatible servers only know `max_tokens`.
   */
  maxTokensField: 'max_tokens' | 'max_completion_tokens';
}

type WireContentPart = { type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string } };
type WireToolCall = { id: string; type: 'function'; function: { name: string; arguments: string } };
export type WireMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string | WireContentPart[] }
  | { role: 'assistant'; content: string | null; tool_calls?: WireToolCall[] }
  | { role: 'tool'; tool_call_id: string; content: string };

export function encodeChat(req: ChatRequest, o: OpenAIEncodeOptions): JsonObject {
  const messages: WireMessage[] = req.system.map((s) => ({ role: 'system', content: s }));
  for (const m of req.messages) messages.push(...encodeMessage(m));
  const body: Record<string, unknown> = { model: o.upstreamModel, messages };
  if (req.maxTokens !== undefined) body[o.maxTokensField] = req.maxTokens;
  if (req.temperature !== undefined) body.temperature = req.temperature;
  if (req.topP !== undefined) body.top_p = req.topP;
  if (req.stop && req.stop.length > 0) body.stop = req.stop;
  if (req.tools && req.tools.length > 0) {
    body.tools = req.tools.map((t) => ({
      type: 'function',
      function: { name: t.name, ...(t.description !== undefined ? { description: t.description } : {}), parameters: t.parameters },
    }));
  }
  if (req.toolChoice !== undefined) body.tool_choice = encodeToolChoice(req.toolChoice);
  if (req.responseFormat) {
    const rf = req.responseFormat;
    body.response_format =
      rf.type === 'json_schema'
        ? { type: 'json_schema', json_schema: { name: rf.name, schema: rf.schema, ...(rf.strict !== undefined ? { strict: rf.strict } : {}) } }
        : { type: rf.type };
  }
  if (req.user !== undefined) body.user = req.user;
  if (req.stream) {
    body.stream = true;
    // Always asked for: the gateway meters every call, whatever the client wants to see.
    body.stream_options = { include_usage: true };
  }
  return body as JsonObject;
}

function encodeToolChoice(c: ToolChoice): unknown {
  return typeof c === 'string' ? c : { type: 'function', function: { name: c.name } };
}

/** One IR message can become several wire messages: each tool result is its own `tool` message. */
export function encodeMessage(m: Message): WireMessage[] {
  const out: WireMessage[] = [];
  if (m.role === 'assistant') {
    let text = '';
    const calls: WireToolCall[] = [];
    for (const p of m.content) {
      if (p.type === 'text') text += p.text;
      else if (p.type === 'tool_call') calls.push({ id: p.id, type: 'function', function: { name: p.name, arguments: p.arguments } });
    }
    out.push({ role: 'assistant', content: text.length > 0 || calls.length === 0 ? text : null, ...(calls.length > 0 ? { tool_calls: calls } : {}) });
    return out;
  }
  const parts: WireContentPart[] = [];
  for (const p of m.content) {
    if (p.type === 'tool_result') {
      // OpenAI has no error flag on tool messages; the text says it so the model can tell.
      out.push({ role: 'tool', tool_call_id: p.toolCallId, content: p.isError ? `Error: ${p.content}` : p.content });
    } else if (p.type === 'text') {
      parts.push({ type: 'text', text: p.text });
    } else if (p.type === 'image') {
      parts.push({ type: 'image_url', image_url: { url: `data:${p.mediaType};base64,${p.data}` } });
    }
  }
  if (parts.length > 0) {
    const only = parts.length === 1 ? parts[0] : undefined;
    out.push({ role: 'user', content: only && only.type === 'text' ? only.text : parts });
  }
  return out;
}

export function encodeEmbeddings(req: EmbeddingRequest, upstreamModel: string): JsonObject {
  const body: JsonObject = { model: upstreamModel, input: req.input, encoding_format: 'float' };
  if (req.dimensions !== undefined) body.dimensions = req.dimensions;
  if (req.user !== undefined) body.user = req.user;
  return body;
}
