/** Model list and model objects in OpenAI's format (`GET /v1/models`, `GET /v1/models/{id}`). */
import { jsonAnswer } from '../json.js';
import type { WireAnswer } from '../types.js';

export interface ModelInfo {
  id: string;
  /** Unix seconds. */
  created?: number;
  ownedBy?: string;
  /** Used by the Anthropic format only. */
  displayName?: string;
}

function openaiModel(m: ModelInfo): Record<string, unknown> {
  return { id: m.id, object: 'model', created: m.created ?? 0, owned_by: m.ownedBy ?? 'rampart' };
}

function headers(requestId: string | undefined): Record<string, string> {
  return requestId ? { 'x-request-id': requestId } : {};
}

export function encodeModelList(models: readonly ModelInfo[], requestId?: string): WireAnswer {
  return jsonAnswer(200, { object: 'list', data: models.map(openaiModel) }, headers(requestId));
}

export function encodeModel(m: ModelInfo, requestId?: string): WireAnswer {
  return jsonAnswer(200, openaiModel(m), headers(requestId));
}
