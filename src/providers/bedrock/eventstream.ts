/**
 * `application/vnd.amazon.eventstream` framing for Bedrock streams. The codec from
 * @smithy/eventstream-codec does the binary layout and both CRC32 checks; this file only splits
 * the byte stream into whole messages (by the prelude's total length, as the SDK's chunked stream
 * does) and bounds each message before buffering it.
 */
import { createRequire } from 'node:module';
import type { EventStreamCodec, Message, MessageHeaders } from '@smithy/eventstream-codec';
import type { StreamExceptionType } from './wire.js';

export const EVENTSTREAM_CONTENT_TYPE = 'application/vnd.amazon.eventstream';

const fromUtf8 = (s: string): Uint8Array => Buffer.from(s, 'utf8');
const toUtf8 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');

/**
 * Loaded on the first Bedrock stream (a synchronous require: the package is CommonJS), so a gateway
 * that never streams Converse does not keep the Smithy packages resident.
 */
let codecInstance: EventStreamCodec | undefined;
function codec(): EventStreamCodec {
  if (!codecInstance) {
    const { EventStreamCodec: Codec } = createRequire(import.meta.url)('@smithy/eventstream-codec') as typeof import('@smithy/eventstream-codec');
    codecInstance = new Codec(toUtf8, fromUtf8);
  }
  return codecInstance;
}

/** Prelude (total length, headers length, prelude CRC) plus the trailing message CRC. */
const MIN_MESSAGE_BYTES = 16;
/** Bedrock events are small JSON; a frame claiming more than this is corrupt or hostile. */
export const DEFAULT_MAX_FRAME_BYTES = 4 * 1024 * 1024;

function stringHeader(value: string): MessageHeaders[string] {
  return { type: 'string', value };
}

/** One `:message-type: event` frame with a JSON payload. */
export function encodeEventFrame(eventType: string, payload: unknown): Uint8Array {
  return codec().encode({
    headers: {
      ':event-type': stringHeader(eventType),
      ':content-type': stringHeader('application/json'),
      ':message-type': stringHeader('event'),
    },
    body: fromUtf8(JSON.stringify(payload)),
  });
}

/** One `:message-type: exception` frame, the way Bedrock reports a failure inside a stream. */
export function encodeExceptionFrame(exceptionType: StreamExceptionType | string, message: string): Uint8Array {
  return codec().encode({
    headers: {
      ':exception-type': stringHeader(exceptionType),
      ':content-type': stringHeader('application/json'),
      ':message-type': stringHeader('exception'),
    },
    body: fromUtf8(JSON.stringify({ message })),
  });
}

export function headerValue(msg: Message, name: string): string | undefined {
  const h = msg.headers[name];
  return h && h.type === 'string' ? h.value : undefined;
}

export function bodyText(msg: Message): string {
  return toUtf8(msg.body);
}

export class FrameError extends Error {
  override readonly name = 'FrameError';
}

/**
 * Incremental splitter: push raw body chunks, get back whole decoded messages. Throws FrameError on
 * a bad length or CRC; `finish()` throws if a partial message is left (the stream was cut).
 */
export class FrameDecoder {
  private buf: Uint8Array = new Uint8Array(0);
  private readonly maxFrameBytes: number;

  constructor(opts: { maxFrameBytes?: number } = {}) {
    this.maxFrameBytes = opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  }

  push(chunk: Uint8Array): Message[] {
    this.buf = this.buf.byteLength === 0 ? chunk : concat(this.buf, chunk);
    const out: Message[] = [];
    while (this.buf.byteLength >= 4) {
      const view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
      const total = view.getUint32(0, false);
      if (total < MIN_MESSAGE_BYTES || total > this.maxFrameBytes) {
        throw new FrameError(`event-stream frame length ${total} outside [${MIN_MESSAGE_BYTES}, ${this.maxFrameBytes}]`);
      }
      if (this.buf.byteLength < total) break;
      // Copy: the codec reads through `.buffer`, and the next chunk must not alias this frame.
      const frame = this.buf.slice(0, total);
      this.buf = this.buf.subarray(total);
      try {
        out.push(codec().decode(frame));
      } catch (err) {
        throw new FrameError(`bad event-stream frame: ${(err as Error).message}`);
      }
    }
    return out;
  }

  /** Bytes received that do not yet form a whole message. */
  get pending(): number {
    return this.buf.byteLength;
  }

  finish(): void {
    if (this.buf.byteLength > 0) throw new FrameError(`event stream ended inside a frame (${this.buf.byteLength} bytes left)`);
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a, 0);
  out.set(b, a.byteLength);
  return out;
}
