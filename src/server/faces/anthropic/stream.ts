/**
 * IR stream events -> Anthropic Messages SSE (`event:` + `data:` frames). Anthropic puts the stop
 * reason and the output token count in one `message_delta`; the IR sends `stop` then `usage`, so
 * the delta waits for usage (or for end()).
 */
import type { RampartError } from '../../../errors.js';
import type { ChatRequest, StopReason, StreamEvent, Usage } from '../../../translate/ir.js';
import { guardrailSummary } from '../json.js';
import type { EncodeExtras, StreamEncoder } from '../types.js';
import { anthropicStopReason, anthropicUsage, messageId } from './encode.js';
import { anthropicErrorBody } from './errors.js';

function frame(event: string, data: Record<string, unknown>): string {
  return `event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`;
}

export class AnthropicStreamEncoder implements StreamEncoder {
  readonly contentType = 'text/event-stream; charset=utf-8';
  private started = false;
  /** IR block index -> Anthropic block index; Anthropic requires 0, 1, 2... in order. */
  private readonly blocks = new Map<number, number>();
  private readonly open = new Set<number>();
  private stopReason: StopReason | undefined;
  private delivered = false;

  constructor(private readonly req: ChatRequest, private readonly extras: EncodeExtras) {}

  private opening(id = this.extras.requestId): string {
    if (this.started) return '';
    this.started = true;
    return frame('message_start', {
      message: {
        id: messageId(id),
        type: 'message',
        role: 'assistant',
        model: this.req.model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        // Input usage is known only at the end here; message_delta carries the real figures.
        usage: anthropicUsage({ inputTokens: 0, outputTokens: 0 }),
      },
    });
  }

  private startBlock(irIndex: number, block: Record<string, unknown>): string {
    const index = this.blocks.size;
    this.blocks.set(irIndex, index);
    this.open.add(index);
    return frame('content_block_start', { index, content_block: block });
  }

  event(ev: StreamEvent): string | undefined {
    switch (ev.type) {
      case 'start':
        return this.opening(ev.id) || undefined;
      case 'text': {
        let out = this.opening();
        if (!this.blocks.has(ev.index)) out += this.startBlock(ev.index, { type: 'text', text: '' });
        const index = this.blocks.get(ev.index);
        return out + frame('content_block_delta', { index, delta: { type: 'text_delta', text: ev.text } });
      }
      case 'tool_call_start':
        return this.opening() + this.startBlock(ev.index, { type: 'tool_use', id: ev.id, name: ev.name, input: {} });
      case 'tool_call_delta': {
        const index = this.blocks.get(ev.index);
        if (index === undefined) return undefined; // a delta for a block never opened has nowhere to go
        return frame('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: ev.arguments } });
      }
      case 'block_stop': {
        const index = this.blocks.get(ev.index);
        if (index === undefined || !this.open.delete(index)) return undefined;
        return frame('content_block_stop', { index });
      }
      case 'stop':
        this.stopReason = ev.stopReason;
        return undefined;
      case 'usage':
        return this.delta(ev.usage);
    }
  }

  private closeBlocks(): string {
    let out = '';
    for (const index of this.open) out += frame('content_block_stop', { index });
    this.open.clear();
    return out;
  }

  private delta(usage: Usage | undefined): string {
    if (this.delivered) return '';
    this.delivered = true;
    const u = usage ?? { inputTokens: 0, outputTokens: 0 };
    const data: Record<string, unknown> = {
      delta: { stop_reason: anthropicStopReason(this.stopReason ?? 'end_turn'), stop_sequence: null },
      usage: anthropicUsage(u),
    };
    // Output guardrails run while streaming, so read the outcomes now, not at construction.
    const guardrails = guardrailSummary(this.extras.guardrails);
    if (guardrails) data.rampart_guardrails = guardrails;
    return this.opening() + this.closeBlocks() + frame('message_delta', data);
  }

  end(): string {
    return this.delta(undefined) + frame('message_stop', {});
  }

  /** Anthropic reports a mid-stream failure as an `error` event; the SDK throws on it. */
  error(err: RampartError): string {
    const body = anthropicErrorBody(err, this.extras.requestId);
    return `event: error\ndata: ${JSON.stringify(body)}\n\n`;
  }
}
