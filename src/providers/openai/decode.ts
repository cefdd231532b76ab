/** OpenAI Chat Completions / Embeddings responses and SSE streams -> IR. */
import type { ChatResponse, EmbeddingResponse, StopReason, StreamEvent, TextPart, ToolCallPart, Usage } from '../../translate/ir.js';
import { UpstreamError } from '../types.js';
import type { SSEEvent } from '../sse.js';
import { malformed } from '../transport.js';
import { arr, num, obj, parseJsonObj, requireObj, str, type Obj } from '../json.js';

export function mapFinishReason(r: string | undefined): StopReason {
  switch (r) {
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
    case 'function_call':
      return 'tool_use';
    case 'content_filter':
      return 'content_filter';
    default:
      return 'end_turn';
  }
}

/** `inputTokens` is the whole prompt (OpenAI's prompt_tokens already counts cached tokens). */
export function decodeUsage(u: unknown): Usage | undefined {
  const o = obj(u);
  if (!o) return undefined;
  const usage: Usage = { inputTokens: num(o.prompt_tokens) ?? 0, outputTokens: num(o.completion_tokens) ?? 0 };
  const cached = num(obj(o.prompt_tokens_details)?.cached_tokens);
  if (cached !== undefined && cached > 0) usage.cacheReadTokens = cached;
  return usage;
}

export function decodeChat(body: unknown): ChatResponse {
  const o = requireObj(body, 'chat completion');
  const choice = obj(arr(o.choices)[0]);
  const message = obj(choice?.message);
  if (!choice || !message) throw new UpstreamError('upstream_error', { message: 'The model provider sent a completion without choices.', retryable: true });
  const content: Array<TextPart | ToolCallPart> = [];
  const text = str(message.content) ?? str(message.refusal);
  if (text) content.push({ type: 'text', text });
  for (const tc of arr(message.tool_calls)) {
    const t = obj(tc);
    const fn = obj(t?.function);
    if (!t || !fn) continue;
    content.push({ type: 'tool_call', id: str(t.id) ?? '', name: str(fn.name) ?? '', arguments: str(fn.arguments) ?? '' });
  }
  const refused = text !== undefined && str(message.content) === undefined;
  return {
    id: str(o.id) ?? '',
    model: str(o.model) ?? '',
    content,
    stopReason: refused ? 'content_filter' : mapFinishReason(str(choice.finish_reason)),
    usage: decodeUsage(o.usage) ?? { inputTokens: 0, outputTokens: 0 },
  };
}

export function decodeEmbeddings(body: unknown, fallbackModel: string): EmbeddingResponse {
  const o = requireObj(body, 'embeddings response');
  const rows = arr(o.data)
    .map((d) => obj(d))
    .filter((d): d is Obj => d !== undefined)
    .sort((a, b) => (num(a.index) ?? 0) - (num(b.index) ?? 0));
  const vectors = rows.map((r) => arr(r.embedding).map((x) => (typeof x === 'number' ? x : Number.NaN)));
  if (vectors.some((v) => v.some((x) => Number.isNaN(x))))
    throw new UpstreamError('upstream_error', { message: 'The model provider sent a non-numeric embedding.', retryable: true });
  return { model: str(o.model) ?? fallbackModel, vectors, usage: { inputTokens: num(obj(o.usage)?.prompt_tokens) ?? 0 } };
}

/**
 * Turns the chunk stream into IR events. Blocks are sequential: opening a new block (text after a
 * tool call, or the next tool call) closes the previous one, as Anthropic-style clients expect.
 */
export async function* decodeChatStream(events: AsyncIterable<SSEEvent>): AsyncGenerator<StreamEvent> {
  let started = false;
  let open: { index: number; kind: 'text' | 'tool' } | undefined;
  let next = 0;
  const tools = new Map<number, number>();
  let finish: string | undefined;
  let usage: Usage | undefined;
  let done = false;

  for await (const ev of events) {
    if (ev.data === '[DONE]') {
      done = true;
      break;
    }
    const chunk = parseJsonObj(ev.data, 'a stream chunk');
    const err = obj(chunk.error);
    if (err) {
      throw new UpstreamError('upstream_error', { message: str(err.message) ?? 'The model provider reported a stream error.', retryable: true });
    }
    if (!started) {
      // Azure leads with a chunk carrying only prompt_filter_results and an empty id.
      if (!str(chunk.id) && arr(chunk.choices).length === 0 && !chunk.usage) continue;
      started = true;
      yield { type: 'start', id: str(chunk.id) ?? '', model: str(chunk.model) ?? '' };
    }
    const u = decodeUsage(chunk.usage);
    if (u) usage = u;
    const choice = obj(arr(chunk.choices)[0]);
    if (!choice) continue;
    const delta = obj(choice.delta);
    const text = str(delta?.content) || str(delta?.refusal);
    if (text) {
      if (open?.kind !== 'text') {
        if (open) yield { type: 'block_stop', index: open.index };
        open = { index: next++, kind: 'text' };
      }
      yield { type: 'text', index: open.index, text };
    }
    for (const raw of arr(delta?.tool_calls)) {
      const tc = obj(raw);
      if (!tc) continue;
      const wireIndex = num(tc.index) ?? 0;
      const fn = obj(tc.function);
      let index = tools.get(wireIndex);
      if (index === undefined) {
        if (open) yield { type: 'block_stop', index: open.index };
        index = next++;
        tools.set(wireIndex, index);
        open = { index, kind: 'tool' };
        yield { type: 'tool_call_start', index, id: str(tc.id) ?? `call_${index}`, name: str(fn?.name) ?? '' };
      }
      const args = str(fn?.arguments);
      if (args) yield { type: 'tool_call_delta', index, arguments: args };
    }
    const fr = str(choice.finish_reason);
    if (fr) finish = fr;
  }
  // A clean end without [DONE] is accepted once a finish_reason came (some compatible servers
  // omit it); without either, the stream was cut.
  if (!done && finish === undefined) throw malformed('The model provider stream ended before completion.');
  if (!started) throw malformed('The model provider stream was empty.');
  if (open) yield { type: 'block_stop', index: open.index };
  yield { type: 'stop', stopReason: mapFinishReason(finish) };
  if (usage) yield { type: 'usage', usage };
}
