/** IR stream events -> ConverseStream event-stream frames. */
import { randomInt } from 'node:crypto';
import type { RampartError } from '../../../errors.js';
import type { ChatRequest, StreamEvent, Usage } from '../../../translate/ir.js';
import { encodeEventFrame as encodeFrame, encodeExceptionFrame, EVENTSTREAM_CONTENT_TYPE } from '../../../providers/bedrock/eventstream.js';
import { stopReasonToWire, usageToWire } from '../../../providers/bedrock/wire.js';
import type { EncodeExtras, StreamEncoder } from '../types.js';
import { guardrailTrace } from './encode.js';
import { clientMessage, streamExceptionType } from './errors.js';

const PAD = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/**
 * Like Bedrock, every event carries a `p` field of random length: without it the size of each
 * encrypted frame would reveal the length of each streamed token to an observer of the traffic.
 */
function encodeEventFrame(eventType: string, payload: Record<string, unknown>): Uint8Array {
  return encodeFrame(eventType, { ...payload, p: PAD.slice(0, randomInt(1, PAD.length + 1)) });
}

export class BedrockStreamEncoder implements StreamEncoder {
  readonly contentType = EVENTSTREAM_CONTENT_TYPE;
  private metadataSent = false;

  constructor(
    _req: ChatRequest,
    private readonly extras: EncodeExtras,
  ) {}

  event(ev: StreamEvent): Uint8Array | undefined {
    switch (ev.type) {
      case 'start':
        return encodeEventFrame('messageStart', { role: 'assistant' });
      case 'text':
        // Bedrock opens text blocks implicitly with their first delta (no contentBlockStart).
        return encodeEventFrame('contentBlockDelta', { contentBlockIndex: ev.index, delta: { text: ev.text } });
      case 'tool_call_start':
        return encodeEventFrame('contentBlockStart', {
          contentBlockIndex: ev.index,
          start: { toolUse: { toolUseId: ev.id, name: ev.name } },
        });
      case 'tool_call_delta':
        return encodeEventFrame('contentBlockDelta', { contentBlockIndex: ev.index, delta: { toolUse: { input: ev.arguments } } });
      case 'block_stop':
        return encodeEventFrame('contentBlockStop', { contentBlockIndex: ev.index });
      case 'stop':
        return encodeEventFrame('messageStop', { stopReason: stopReasonToWire(ev.stopReason) });
      case 'usage':
        return this.metadata(ev.usage);
    }
  }

  /** Bedrock always ends with a metadata event; if the upstream reported no usage, send zeros. */
  end(): Uint8Array | undefined {
    return this.metadataSent ? undefined : this.metadata({ inputTokens: 0, outputTokens: 0 });
  }

  error(err: RampartError): Uint8Array {
    return encodeExceptionFrame(streamExceptionType(err), clientMessage(err, this.extras.requestId));
  }

  private metadata(usage: Usage): Uint8Array {
    this.metadataSent = true;
    const trace = guardrailTrace(this.extras.guardrails);
    return encodeEventFrame('metadata', {
      usage: usageToWire(usage),
      metrics: { latencyMs: Math.round(this.extras.latencyMs()) },
      ...(trace ? { trace: { guardrail: trace } } : {}),
    });
  }
}
