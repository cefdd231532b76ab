/** Anthropic Messages API upstream. URLs are built only from `cfg.baseUrl`. */
import type { Dispatcher } from 'undici';
import type { AnthropicProviderConfig } from '../../config/schema.js';
import { RampartError } from '../../errors.js';
import type { ChatRequest, ChatResponse, EmbeddingResponse, StreamEvent } from '../../translate/ir.js';
import { createDispatcher, resolveTimeouts } from '../http.js';
import { bodyChunks, callJson, callScope, postJson, primeStream } from '../transport.js';
import { parseSSE } from '../sse.js';
import type { Deployment, Provider, Timeouts, UpstreamCall } from '../types.js';
import { decodeMessage, decodeMessageStream } from './decode.js';
import { encodeMessages } from './encode.js';
import { stringifyJson } from '../../translate/json-text.js';

export interface AnthropicProviderDeps {
  dispatcher?: Dispatcher;
}

/** The config schema fills these defaults; direct callers (tests) may leave them out. */
export type AnthropicProviderInput = Omit<AnthropicProviderConfig, 'baseUrl' | 'anthropicVersion'> &
  Partial<Pick<AnthropicProviderConfig, 'baseUrl' | 'anthropicVersion'>>;

export function createAnthropicProvider(cfg: AnthropicProviderInput, deps: AnthropicProviderDeps = {}): Provider {
  const timeouts: Timeouts = resolveTimeouts(cfg.timeouts);
  const ownDispatcher = !deps.dispatcher;
  const dispatcher =
    deps.dispatcher ?? createDispatcher({ timeouts: cfg.timeouts, caFile: cfg.caFile, proxyUrl: cfg.proxyUrl, maxConnections: cfg.maxConnections });
  const messagesUrl = new URL(`${(cfg.baseUrl ?? 'https://api.anthropic.com').replace(/\/+$/, '')}/v1/messages`);
  const version = cfg.anthropicVersion ?? '2023-06-01';

  const headers = (): Record<string, string> => ({
    'anthropic-version': version,
    ...(cfg.apiKey ? { 'x-api-key': cfg.apiKey } : {}),
  });

  return {
    kind: 'anthropic',
    name: cfg.name,

    async chat(req: ChatRequest, dep: Deployment, call: UpstreamCall): Promise<ChatResponse> {
      const scope = callScope(call, timeouts);
      const body = stringifyJson(encodeMessages({ ...req, stream: false }, dep.upstreamModel));
      return decodeMessage(await callJson({ dispatcher, url: messagesUrl, headers: headers(), body, scope }));
    },

    async chatStream(req: ChatRequest, dep: Deployment, call: UpstreamCall): Promise<AsyncIterable<StreamEvent>> {
      const scope = callScope(call, timeouts);
      const body = stringifyJson(encodeMessages({ ...req, stream: true }, dep.upstreamModel));
      const res = await postJson({ dispatcher, url: messagesUrl, headers: headers(), body, scope, accept: 'text/event-stream' });
      return primeStream(decodeMessageStream(parseSSE(bodyChunks(res.body))), scope, res.body);
    },

    async embed(): Promise<EmbeddingResponse> {
      throw new RampartError('bad_request', { message: 'embeddings are not supported by this provider' });
    },

    async close(): Promise<void> {
      if (ownDispatcher) await dispatcher.close();
    },
  };
}
