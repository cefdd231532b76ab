/**
 * The Anthropic client face: `/v1/messages` (and the Anthropic model-list format).
 * Pure codecs; the server owns sockets, limits and the pipeline.
 */
import type { ChatFace } from '../types.js';
import { decodeAnthropicChat } from './decode.js';
import { encodeAnthropicChat } from './encode.js';
import { encodeAnthropicError } from './errors.js';
import { AnthropicStreamEncoder } from './stream.js';

export const anthropicFace: ChatFace = {
  api: 'anthropic',
  decodeChat: (body, opts) => decodeAnthropicChat(body, opts),
  encodeChat: encodeAnthropicChat,
  streamEncoder: (req, extras) => new AnthropicStreamEncoder(req, extras),
  encodeError: encodeAnthropicError,
};

export { encodeAnthropicModel, encodeAnthropicModelList, wantsAnthropicFormat } from './models.js';
export { anthropicErrorType, encodeAnthropicError } from './errors.js';
