/** Anthropic Messages API responses and SSE event streams -> IR. */
import type { ChatResponse, StopReason, StreamEvent, TextPart, ToolCallPart, Usage } from '../../translate/ir.js';
import { UpstreamError } from '../types.js';
import type { SSEEvent } from '../sse.js';
import { arr, num, obj, parseJsonObj, requireObj, str } from '../json.js';
import { malformed } from '../transport.js';

export function mapStopReason(r: string | undefined): StopReason {
  switch (r) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'max_tokens';
    case 'stop_sequence':
      return 'stop_sequence';
    case 'tool_use':
      return 'tool_use';
    case 'refusal':
      return 'content_filter';
    default:
      return 'end_turn';
  }
}

/**
 * Anthropic counts cache reads and writes apart from `input_tokens`; the IR's inputTokens is the
 * whole prompt (as OpenAI's prompt_tokens is), with the cached parts also reported separately.
 */
export function decodeUsage(u: unknown, prev?: Usage): Usage {
  const o = obj(u) ?? {};
  const read = num(o.cache_read_input_tokens);
  const write = num(o.cache_creation_input_tokens);
  const input = num(o.input_tokens);
  const usage: Usage = {
    inputTokens: input !== undefined ? input + (read ?? 0) + (write ?? 0) : (prev?.inputTokens ?? 0),
    outputTokens: num(o.output_tokens) ?? prev?.outputTokens ?? 0,
  };
  const r = read ?? prev?.cacheReadTokens;
  const w = write ?? prev?.cacheWriteTokens;
  if (r) usage.cacheReadTokens = r;
  if (w) usage.cacheWriteTokens = w;
  return usage;
}

export function decodeMessage(body: unknown): ChatResponse {
  const o = requireObj(body, 'message');
  const content: Array<TextPart | ToolCallPart> = [];
  for (const raw of arr(o.content)) {
    const b = obj(raw);
    if (!b) continue;
    if (b.type === 'text') {
      const text = str(b.text);
      if (text) content.push({ type: 'text', text });
    } else if (b.type === 'tool_use') {
      content.push({ type: 'tool_call', id: str(b.id) ?? '', name: str(b.name) ?? '', arguments: JSON.stringify(b.input ?? {}) });
    }
    // thinking, redacted_thinking and server-tool blocks have no IR counterpart.
  }
  return {
    id: str(o.id) ?? '',
    model: str(o.model) ?? '',
    content,
    stopReason: mapStopReason(str(o.stop_reason)),
    usage: decodeUsage(o.usage),
  };
}

/**
 * Anthropic's events map almost one to one onto the IR. Two differences: a text block becomes an
 * IR block only at its first non-empty text (the IR has no empty-text "open"), and blocks without
 * an IR counterpart (thinking) are skipped, so IR indexes are renumbered densely.
 */
export async function* decodeMessageStream(events: AsyncIterable<SSEEvent>): AsyncGenerator<StreamEvent> {
  let started = false;
  let next = 0;
  /** Anthropic block index -> IR index (undefined until the block produced something). */
  const blocks = new Map<number, { kind: 'text' | 'tool' | 'skip'; index?: number }>();
  let stopReason: string | undefined;
  let usage: Usage | undefined;
  let done = false;

  for await (const ev of events) {
    const type = ev.event ?? '';
    if (type === 'ping') continue;
    const data = parseJsonObj(ev.data, `a "${type}" event`);
    const kind = str(data.type) ?? type;
    if (kind === 'error') {
      const e = obj(data.error);
      throw new UpstreamError('upstream_error', { message: str(e?.message) ?? 'The model provider reported a stream error.', retryable: true });
    }
    if (!started && kind !== 'message_start') throw malformed('The model provider stream did not begin with message_start.');
    switch (kind) {
      case 'message_start': {
        const m = obj(data.message);
        started = true;
        usage = decodeUsage(m?.usage);
        yield { type: 'start', id: str(m?.id) ?? '', model: str(m?.model) ?? '' };
        break;
      }
      case 'content_block_start': {
        const at = num(data.index) ?? 0;
        const cb = obj(data.content_block);
        if (cb?.type === 'text') {
          blocks.set(at, { kind: 'text' });
          const text = str(cb.text);
          if (text) yield textEvent(at, text);
        } else if (cb?.type === 'tool_use') {
          const index = next++;
          blocks.set(at, { kind: 'tool', index });
          yield { type: 'tool_call_start', index, id: str(cb.id) ?? `toolu_${index}`, name: str(cb.name) ?? '' };
          const input = obj(cb.input);
          if (input && Object.keys(input).length > 0) yield { type: 'tool_call_delta', index, arguments: JSON.stringify(input) };
        } else {
          blocks.set(at, { kind: 'skip' });
        }
        break;
      }
      case 'content_block_delta': {
        const at = num(data.index) ?? 0;
        const b = blocks.get(at);
        const d = obj(data.delta);
        if (!b || !d) break;
        if (b.kind === 'text' && d.type === 'text_delta') {
          const text = str(d.text);
          if (text) yield textEvent(at, text);
        } else if (b.kind === 'tool' && d.type === 'input_json_delta' && b.index !== undefined) {
          const part = str(d.partial_json);
          if (part) yield { type: 'tool_call_delta', index: b.index, arguments: part };
        }
        break;
      }
      case 'content_block_stop': {
        const at = num(data.index) ?? 0;
        const b = blocks.get(at);
        if (b?.index !== undefined) yield { type: 'block_stop', index: b.index };
        blocks.delete(at);
        break;
      }
      case 'message_delta':
        stopReason = str(obj(data.delta)?.stop_reason) ?? stopReason;
        usage = decodeUsage(data.usage, usage);
        break;
      case 'message_stop':
        done = true;
        break;
      default:
        // Unknown event types are skipped, as Anthropic's versioning policy asks of clients.
        break;
    }
    if (done) break;
  }
  if (!done) throw malformed('The model provider stream ended before message_stop.');
  // Blocks the upstream never closed are closed here so the ordering contract holds.
  for (const b of blocks.values()) if (b.index !== undefined) yield { type: 'block_stop', index: b.index };
  yield { type: 'stop', stopReason: mapStopReason(stopReason) };
  if (usage) yield { type: 'usage', usage };

  function textEvent(at: number, text: string): StreamEvent {
    const b = blocks.get(at);
    if (b && b.index === undefined) b.index = next++;
    return { type: 'text', index: b?.index ?? 0, text };
  }
}
