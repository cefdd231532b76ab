import type { ChatRequest, ChatResponse, EmbeddingRequest, EmbeddingResponse, StreamEvent } from '../../translate/ir.js';
import type { RampartError } from '../../errors.js';
import type { ClientApi, GuardrailOutcome } from '../../pipeline/context.js';

/** A serialised answer: the server writes it as is. */
export interface WireAnswer {
  status: number;
  headers: Record<string, string>;
  body: string | Uint8Array;
}

/** Facts a face may need when encoding, beyond the IR. */
export interface EncodeExtras {
  requestId: string;
  /** Guardrail outcomes of this call (for OpenAI's `rampart_guardrails`, Bedrock's `trace.guardrail`). */
  guardrails: GuardrailOutcome[];
  /** Wall-clock latency so far, ms (Bedrock `metrics.latencyMs`). */
  latencyMs: () => number;
}

/**
 * Pure, per-request encoder of a stream in the caller's wire format. The server owns the socket,
 * backpressure and aborts; the encoder only turns events into frames.
 */
export interface StreamEncoder {
  readonly contentType: string;
  /** Frames for one event; undefined when the event produces none in this format. */
  event(ev: StreamEvent): string | Uint8Array | undefined;
  /** Frames that close a completed stream (OpenAI `data: [DONE]`). */
  end(): string | Uint8Array | undefined;
  /** Frames that end a stream cut by an error, in the caller's format. */
  error(err: RampartError): string | Uint8Array;
}

/** A client API face: decode the caller's request into the IR and encode answers back. */
export interface ChatFace {
  readonly api: ClientApi;
  /**
   * Validates and decodes a parsed JSON body. `modelFromPath` is set for APIs that carry the model
   * in the URL (Bedrock). Throws RampartError('bad_request', { param }) naming the field path.
   */
  decodeChat(body: unknown, opts: { modelFromPath?: string; stream?: boolean }): ChatRequest;
  encodeChat(res: ChatResponse, req: ChatRequest, extras: EncodeExtras): WireAnswer;
  streamEncoder(req: ChatRequest, extras: EncodeExtras): StreamEncoder;
  encodeError(err: RampartError, requestId: string): WireAnswer;
}

export interface EmbeddingFace {
  decodeEmbedding(body: unknown): EmbeddingRequest;
  encodeEmbedding(res: EmbeddingResponse, req: EmbeddingRequest, extras: EncodeExtras): WireAnswer;
}
