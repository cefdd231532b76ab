/** IR -> Anthropic Messages API request body. */
import { badRequest } from '../../errors.js';
import type { ChatRequest, JsonObject, JsonValue, Message, ToolChoice } from '../../translate/ir.js';

/** The Messages API requires max_tokens; used when the client set none. */
export const DEFAULT_MAX_TOKENS = 4096;

type WireBlock =
  | { type: 'text'; text: string }
  | { type: 'image'; source: { type: 'base64'; media_type: string; data: string } }
  | { type: 'tool_use'; id: string; name: string; input: JsonValue }
  | { type: 'tool_result'; tool_use_id: string; content: string; is_error?: boolean };
interface WireMessage {
  role: 'user' | 'assistant';
  content: WireBlock[];
}

export function encodeMessages(req: ChatRequest, upstreamModel: string): JsonObject {
  const system = [...req.system];
  // Anthropic has no JSON mode; the instruction is the closest faithful translation.
  if (req.responseFormat?.type === 'json_object') system.push('Respond with a single valid JSON object and nothing else.');
  if (req.responseFormat?.type === 'json_schema') {
    system.push(`Respond with a single valid JSON object and nothing else, matching this JSON Schema: ${JSON.stringify(req.responseFormat.schema)}`);
  }
  const body: Record<string, unknown> = {
    model: upstreamModel,
    max_tokens: req.maxTokens ?? DEFAULT_MAX_TOKENS,
    messages: encodeTurns(req.messages),
  };
  if (system.length > 0) body.system = system.map((text) => ({ type: 'text', text }));
  if (req.temperature !== undefined) body.temperature = req.temperature;
  if (req.topP !== undefined) body.top_p = req.topP;
  if (req.stop && req.stop.length > 0) body.stop_sequences = req.stop;
  if (req.tools && req.tools.length > 0) {
    body.tools = req.tools.map((t) => ({ name: t.name, ...(t.description !== undefined ? { description: t.description } : {}), input_schema: t.parameters }));
  }
  if (req.toolChoice !== undefined) body.tool_choice = encodeToolChoice(req.toolChoice);
  if (req.user !== undefined) body.metadata = { user_id: req.user };
  if (req.stream) body.stream = true;
  return body as JsonObject;
}

function encodeToolChoice(c: ToolChoice): JsonObject {
  if (c === 'auto') return { type: 'auto' };
  if (c === 'none') return { type: 'none' };
  if (c === 'required') return { type: 'any' };
  return { type: 'tool', name: c.name };
}

/** Tool results travel in user turns; consecutive turns of one role are merged into one. */
export function encodeTurns(messages: Message[]): WireMessage[] {
  const out: WireMessage[] = [];
  messages.forEach((m, i) => {
    const role = m.role === 'assistant' ? 'assistant' : 'user';
    const blocks: WireBlock[] = [];
    m.content.forEach((p, j) => {
      switch (p.type) {
        case 'text':
          // The API refuses empty text blocks.
          if (p.text.length > 0) blocks.push({ type: 'text', text: p.text });
          break;
        case 'image':
          blocks.push({ type: 'image', source: { type: 'base64', media_type: p.mediaType, data: p.data } });
          break;
        case 'tool_call':
          blocks.push({ type: 'tool_use', id: p.id, name: p.name, input: parseToolInput(p.arguments, `messages[${i}].content[${j}].arguments`) });
          break;
        case 'tool_result':
          blocks.push({ type: 'tool_result', tool_use_id: p.toolCallId, content: p.content, ...(p.isError ? { is_error: true } : {}) });
          break;
      }
    });
    if (blocks.length === 0) return;
    const last = out.at(-1);
    if (last && last.role === role) last.content.push(...blocks);
    else out.push({ role, content: blocks });
  });
  return out;
}

function parseToolInput(args: string, param: string): JsonValue {
  if (args.trim() === '') return {};
  let v: unknown;
  try {
    v = JSON.parse(args);
  } catch {
    throw badRequest('tool call arguments must be valid JSON for this provider', param);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw badRequest('tool call arguments must be a JSON object for this provider', param);
  return v as JsonValue;
}
