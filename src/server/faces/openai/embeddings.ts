/** OpenAI `/v1/embeddings` <-> IR. */
import { badRequest } from '../../../errors.js';
import type { EmbeddingRequest, EmbeddingResponse } from '../../../translate/ir.js';
import { at, invalidType, invalidValue, isAbsent, isObj, jsonAnswer, missing, oneOf, optNum, optStr, str } from '../json.js';
import type { EncodeExtras, WireAnswer } from '../types.js';
import { decodeModel } from './decode.js';

/** OpenAI's own ceiling on inputs per call; more would bypass per-request limits in one go. */
export const MAX_EMBEDDING_INPUTS = 2048;

function tokenArrays(): never {
  // Guardrails and token counting work on text; token ids of an unknown tokenizer cannot be checked.
  throw badRequest(
    "Invalid value for 'input': token-id arrays are not supported by this gateway; send text (a string or an array of strings).",
    'input',
  );
}

export function decodeOpenAIEmbedding(body: unknown): EmbeddingRequest {
  if (!isObj(body)) throw badRequest('The request body must be a JSON object.');
  const model = decodeModel(body);
  let input: string[];
  const raw = body.input;
  if (typeof raw === 'string') {
    input = [raw];
  } else if (Array.isArray(raw)) {
    if (raw.length === 0) invalidValue('input', 'must not be empty.');
    if (raw.length > MAX_EMBEDDING_INPUTS) invalidValue('input', `at most ${MAX_EMBEDDING_INPUTS} inputs per request.`);
    input = raw.map((x, i) => {
      if (typeof x === 'number' || Array.isArray(x)) tokenArrays();
      return str(x, at('input', i));
    });
  } else if (isAbsent(raw)) {
    missing('input');
  } else {
    invalidType('input', 'a string or an array of strings', raw);
  }
  const req: EmbeddingRequest = { model, input };
  const dimensions = optNum(body.dimensions, 'dimensions', { integer: true, min: 1 });
  if (dimensions !== undefined) req.dimensions = dimensions;
  const user = optStr(body.user, 'user');
  if (user !== undefined) req.user = user;
  if (!isAbsent(body.encoding_format)) {
    req.encodingFormat = oneOf(body.encoding_format, 'encoding_format', ['float', 'base64'] as const);
  }
  return req;
}

/** Little-endian float32, base64: what OpenAI returns and what its SDKs decode. */
export function vectorToBase64(v: number[]): string {
  const buf = Buffer.allocUnsafe(v.length * 4);
  for (let i = 0; i < v.length; i++) buf.writeFloatLE(v[i], i * 4);
  return buf.toString('base64');
}

export function encodeOpenAIEmbedding(res: EmbeddingResponse, req: EmbeddingRequest, extras: EncodeExtras): WireAnswer {
  const base64 = req.encodingFormat === 'base64';
  return jsonAnswer(200, {
    object: 'list',
    data: res.vectors.map((v, index) => ({
      object: 'embedding',
      index,
      embedding: base64 ? vectorToBase64(v) : v,
    })),
    model: req.model,
    usage: { prompt_tokens: res.usage.inputTokens, total_tokens: res.usage.inputTokens },
  }, { 'x-request-id': extras.requestId });
}
