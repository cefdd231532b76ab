/**
 * Model list and model objects in Anthropic's format. `GET /v1/models` is shared with OpenAI; the
 * server answers in this format when the request carries `anthropic-version`, as the Anthropic
 * SDKs always send it.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { jsonAnswer } from '../json.js';
import type { ModelInfo } from '../openai/models.js';
import type { WireAnswer } from '../types.js';

export function wantsAnthropicFormat(headers: IncomingHttpHeaders): boolean {
  return headers['anthropic-version'] !== undefined;
}

function anthropicModel(m: ModelInfo): Record<string, unknown> {
  return {
    type: 'model',
    id: m.id,
    display_name: m.displayName ?? m.id,
    created_at: new Date((m.created ?? 0) * 1000).toISOString(),
  };
}

function headers(requestId: string | undefined): Record<string, string> {
  return requestId ? { 'request-id': requestId } : {};
}

/** The whole catalog in one page: it is small, and a cursor would need a stable order to mean anything. */
export function encodeAnthropicModelList(models: readonly ModelInfo[], requestId?: string): WireAnswer {
  return jsonAnswer(200, {
    data: models.map(anthropicModel),
    has_more: false,
    first_id: models.length > 0 ? models[0].id : null,
    last_id: models.length > 0 ? models[models.length - 1].id : null,
  }, headers(requestId));
}

export function encodeAnthropicModel(m: ModelInfo, requestId?: string): WireAnswer {
  return jsonAnswer(200, anthropicModel(m), headers(requestId));
}
