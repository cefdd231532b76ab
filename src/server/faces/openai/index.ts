/**
 * The OpenAI client face: `/v1/chat/completions`, `/v1/embeddings`, `/v1/models`.
 * Pure codecs; the server owns sockets, limits and the pipeline.
 */
import type { ChatFace, EmbeddingFace } from '../types.js';
import { decodeOpenAIChat } from './decode.js';
import { encodeOpenAIChat } from './encode.js';
import { decodeOpenAIEmbedding, encodeOpenAIEmbedding } from './embeddings.js';
import { encodeOpenAIError } from './errors.js';
import { OpenAIStreamEncoder } from './stream.js';

export const openaiFace: ChatFace & EmbeddingFace = {
  api: 'openai',
  decodeChat: (body, opts) => decodeOpenAIChat(body, opts),
  encodeChat: encodeOpenAIChat,
  streamEncoder: (req, extras) => new OpenAIStreamEncoder(req, extras),
  encodeError: encodeOpenAIError,
  decodeEmbedding: decodeOpenAIEmbedding,
  encodeEmbedding: encodeOpenAIEmbedding,
};

export { encodeModel, encodeModelList, type ModelInfo } from './models.js';
export { encodeOpenAIError, openaiErrorType } from './errors.js';
export { vectorToBase64 } from './embeddings.js';
