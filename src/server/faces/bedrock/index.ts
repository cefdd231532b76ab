/**
 * The Bedrock Runtime client face: Converse (`POST /model/{modelId}/converse`) and ConverseStream
 * (`POST /model/{modelId}/converse-stream`, answered as application/vnd.amazon.eventstream).
 * Pure codecs; the server owns routing, sockets, limits and the pipeline. The server passes the
 * URL-decoded `{modelId}` as `modelFromPath` and `stream: true` for converse-stream.
 */
import type { ChatFace } from '../types.js';
import { decodeBedrockChat } from './decode.js';
import { encodeBedrockChat } from './encode.js';
import { encodeBedrockError } from './errors.js';
import { BedrockStreamEncoder } from './stream.js';

export const bedrockFace: ChatFace = {
  api: 'bedrock',
  decodeChat: (body, opts) => decodeBedrockChat(body, opts),
  encodeChat: encodeBedrockChat,
  streamEncoder: (req, extras) => new BedrockStreamEncoder(req, extras),
  encodeError: encodeBedrockError,
};

export { decodeBedrockChat } from './decode.js';
export { encodeBedrockChat, guardrailTrace, type GuardrailTrace } from './encode.js';
export { bedrockErrorType, encodeBedrockError, streamExceptionType, type BedrockErrorType } from './errors.js';
export { BedrockStreamEncoder } from './stream.js';

/** Matches the Bedrock Runtime chat paths; the model id is URL-decoded. */
export function parseBedrockPath(path: string): { modelId: string; stream: boolean } | undefined {
  const m = /^\/model\/([^/?]+)\/(converse|converse-stream)(?:\?.*)?$/.exec(path);
  if (!m) return undefined;
  try {
    return { modelId: decodeURIComponent(m[1]!), stream: m[2] === 'converse-stream' };
  } catch {
    return undefined;
  }
}
