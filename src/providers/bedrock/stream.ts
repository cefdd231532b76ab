/** ConverseStream event-stream body -> IR stream events. */
import type { Message } from '@smithy/eventstream-codec';
import type { StreamEvent } from '../../translate/ir.js';
import { UpstreamError } from '../types.js';
import { bodyText, FrameDecoder, FrameError, headerValue } from './eventstream.js';
import { streamException, transportError } from './errors.js';
import { usageFromWire } from './from-converse.js';
import { isRecord, stopReasonFromWire } from './wire.js';

export interface StreamOptions {
  id: string;
  model: string;
  signal: AbortSignal;
  maxFrameBytes?: number;
  /** Releases the connection when the consumer stops early. */
  destroy: () => void;
}

/**
 * Bedrock numbers content blocks itself and may interleave blocks the IR cannot carry (reasoning);
 * IR indices are reassigned densely in order of appearance so consumers never see gaps.
 */
class BlockIndex {
  private readonly map = new Map<number, number>();
  private readonly open = new Set<number>();
  private next = 0;

  assign(upstream: number): number {
    let idx = this.map.get(upstream);
    if (idx === undefined) {
      idx = this.next++;
      this.map.set(upstream, idx);
      this.open.add(idx);
    }
    return idx;
  }
  get(upstream: number): number | undefined {
    return this.map.get(upstream);
  }
  close(upstream: number): number | undefined {
    const idx = this.map.get(upstream);
    if (idx === undefined || !this.open.delete(idx)) return undefined;
    return idx;
  }
  closeAll(): number[] {
    const left = [...this.open].sort((a, b) => a - b);
    this.open.clear();
    return left;
  }
}

function malformed(what: string, midStream: boolean): UpstreamError {
  return new UpstreamError('upstream_error', { message: `Bedrock sent a malformed stream event (${what}).`, retryable: false, midStream });
}

export async function* converseStreamEvents(body: AsyncIterable<Uint8Array>, opts: StreamOptions): AsyncGenerator<StreamEvent> {
  const decoder = new FrameDecoder({ maxFrameBytes: opts.maxFrameBytes });
  const blocks = new BlockIndex();
  let yielded = 0;
  let started = false;
  let stopped = false;
  let done = false;

  // Translates one frame; returns the IR events it produces.
  const translate = (msg: Message): StreamEvent[] => {
    const messageType = headerValue(msg, ':message-type');
    if (messageType === 'exception') {
      throw streamException(headerValue(msg, ':exception-type') ?? 'unknownException', bodyText(msg), yielded > 0);
    }
    if (messageType === 'error') {
      const code = headerValue(msg, ':error-code') ?? 'UnknownError';
      throw new UpstreamError('upstream_error', { message: `Bedrock stream error ${code}.`, retryable: true, midStream: yielded > 0 });
    }
    if (messageType !== 'event') throw malformed(`message type ${messageType ?? 'missing'}`, yielded > 0);
    const eventType = headerValue(msg, ':event-type');
    let payload: unknown;
    try {
      payload = JSON.parse(bodyText(msg));
    } catch {
      throw malformed(`${eventType ?? 'event'} payload is not JSON`, yielded > 0);
    }
    if (!isRecord(payload)) throw malformed(`${eventType ?? 'event'} payload is not an object`, yielded > 0);
    const out: StreamEvent[] = [];
    if (!started && eventType !== 'messageStart') {
      started = true;
      out.push({ type: 'start', id: opts.id, model: opts.model });
    }
    const upstreamIndex = typeof payload.contentBlockIndex === 'number' ? payload.contentBlockIndex : 0;
    switch (eventType) {
      case 'messageStart':
        if (!started) out.push({ type: 'start', id: opts.id, model: opts.model });
        started = true;
        break;
      case 'contentBlockStart': {
        const tool = isRecord(payload.start) && isRecord(payload.start.toolUse) ? payload.start.toolUse : undefined;
        if (tool) {
          if (typeof tool.toolUseId !== 'string' || typeof tool.name !== 'string') throw malformed('toolUse start without id or name', yielded > 0);
          out.push({ type: 'tool_call_start', index: blocks.assign(upstreamIndex), id: tool.toolUseId, name: tool.name });
        }
        break;
      }
      case 'contentBlockDelta': {
        const delta = isRecord(payload.delta) ? payload.delta : {};
        if (typeof delta.text === 'string') {
          out.push({ type: 'text', index: blocks.assign(upstreamIndex), text: delta.text });
        } else if (isRecord(delta.toolUse) && typeof delta.toolUse.input === 'string') {
          const idx = blocks.get(upstreamIndex);
          if (idx === undefined) throw malformed('toolUse delta before its block start', yielded > 0);
          out.push({ type: 'tool_call_delta', index: idx, arguments: delta.toolUse.input });
        }
        break; // reasoningContent, citations: no IR form yet
      }
      case 'contentBlockStop': {
        const idx = blocks.close(upstreamIndex);
        if (idx !== undefined) out.push({ type: 'block_stop', index: idx });
        break;
      }
      case 'messageStop':
        for (const idx of blocks.closeAll()) out.push({ type: 'block_stop', index: idx });
        out.push({ type: 'stop', stopReason: stopReasonFromWire(typeof payload.stopReason === 'string' ? payload.stopReason : undefined) });
        stopped = true;
        break;
      case 'metadata':
        if (isRecord(payload.usage)) out.push({ type: 'usage', usage: usageFromWire(payload.usage) });
        break;
      default:
        break; // newer event types are skipped, as the SDK does
    }
    return out;
  };

  try {
    for await (const chunk of body) {
      let frames: Message[];
      try {
        frames = decoder.push(chunk);
      } catch (err) {
        throw frameError(err, yielded > 0);
      }
      for (const frame of frames) {
        for (const ev of translate(frame)) {
          yielded++;
          yield ev;
        }
      }
    }
    try {
      decoder.finish();
    } catch (err) {
      throw frameError(err, yielded > 0);
    }
    if (!stopped) {
      throw new UpstreamError('upstream_error', { message: 'The Bedrock stream ended before messageStop.', retryable: true, midStream: yielded > 0 });
    }
    done = true;
  } catch (err) {
    throw transportError(err, opts.signal, yielded > 0);
  } finally {
    if (!done) opts.destroy();
  }
}

function frameError(err: unknown, midStream: boolean): UpstreamError {
  const message = err instanceof FrameError ? err.message : 'bad event-stream frame';
  return new UpstreamError('upstream_error', { message: `Bedrock stream: ${message}.`, retryable: true, midStream, cause: err });
}
