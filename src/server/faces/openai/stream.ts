/**
 * IR stream events -> OpenAI `chat.completion.chunk` SSE frames. One instance per response; it
 * keeps the little state the format needs (tool-call numbering, whether the finish chunk went out,
 * the usage to report last).
 */
import type { RampartError } from '../../../errors.js';
import type { ChatRequest, StreamEvent, Usage } from '../../../translate/ir.js';
import { guardrailSummary, nowSeconds } from '../json.js';
import type { EncodeExtras, StreamEncoder } from '../types.js';
import { completionId, finishReason, openaiUsage, type FinishReason } from './encode.js';
import { openaiErrorBody } from './errors.js';

export const SSE_CONTENT_TYPE = 'text/event-stream; charset=utf-8';

function frame(data: unknown): string {
  return `data: ${JSON.stringify(data)}\n\n`;
}

export class OpenAIStreamEncoder implements StreamEncoder {
  readonly contentType = SSE_CONTENT_TYPE;
  private id: string;
  private readonly created = nowSeconds();
  /** IR content-block index -> OpenAI tool_calls[].index (counts tool calls only). */
  private readonly toolIndex = new Map<number, number>();
  private started = false;
  private finished = false;
  private usage: Usage | undefined;

  constructor(private readonly req: ChatRequest, private readonly extras: EncodeExtras) {
    this.id = completionId(extras.requestId);
  }

  private chunk(delta: Record<string, unknown>, finish: FinishReason | null = null): Record<string, unknown> {
    return {
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.req.model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    };
  }

  /** The role chunk; emitted lazily so a producer that skips `start` still yields a valid stream. */
  private opening(): string {
    if (this.started) return '';
    this.started = true;
    return frame(this.chunk({ role: 'assistant', content: '', refusal: null }));
  }

  event(ev: StreamEvent): string | undefined {
    switch (ev.type) {
      case 'start':
        if (!this.started) this.id = completionId(ev.id);
        return this.opening() || undefined;
      case 'text':
        return this.opening() + frame(this.chunk({ content: ev.text }));
      case 'tool_call_start': {
        const index = this.toolIndex.size;
        this.toolIndex.set(ev.index, index);
        return this.opening() + frame(this.chunk({
          tool_calls: [{ index, id: ev.id, type: 'function', function: { name: ev.name, arguments: '' } }],
        }));
      }
      case 'tool_call_delta': {
        const index = this.toolIndex.get(ev.index) ?? 0;
        return this.opening() + frame(this.chunk({ tool_calls: [{ index, function: { arguments: ev.arguments } }] }));
      }
      case 'block_stop':
        return undefined;
      case 'stop':
        return this.finish(finishReason(ev.stopReason));
      case 'usage':
        // OpenAI sends usage after the finish chunk, just before [DONE]; end() does that.
        this.usage = ev.usage;
        return undefined;
    }
  }

  private finish(reason: FinishReason): string {
    if (this.finished) return '';
    this.finished = true;
    const last = this.chunk({}, reason);
    // Output guardrails run while streaming, so read the outcomes now, not at construction.
    const guardrails = guardrailSummary(this.extras.guardrails);
    if (guardrails) last.rampart_guardrails = guardrails;
    return this.opening() + frame(last);
  }

  end(): string {
    let out = this.finish('stop');
    if (this.req.includeUsage) {
      const u = this.usage ?? { inputTokens: 0, outputTokens: 0 };
      out += frame({ ...this.chunk({}), choices: [], usage: openaiUsage(u) });
    }
    return out + 'data: [DONE]\n\n';
  }

  /** OpenAI reports a mid-stream failure as a data frame holding `error`; SDKs throw on it. */
  error(err: RampartError): string {
    return frame({ error: openaiErrorBody(err, this.extras.requestId) });
  }
}
