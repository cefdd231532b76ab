/**
 * Any OpenAI-compatible Chat Completions upstream: OpenAI, Azure OpenAI (`azureApiVersion`),
 * Ollama, vLLM, LiteLLM... URLs are built only from `cfg.baseUrl`.
 */
import type { Dispatcher } from 'undici';
import type { OpenAIProviderConfig } from '../../config/schema.js';
import type { ChatRequest, ChatResponse, EmbeddingRequest, EmbeddingResponse, StreamEvent } from '../../translate/ir.js';
import { createDispatcher, resolveTimeouts } from '../http.js';
import { parseSSE } from '../sse.js';
import type { Deployment, Provider, Timeouts, UpstreamCall } from '../types.js';
import { decodeChat, decodeChatStream, decodeEmbeddings } from './decode.js';
import { encodeChat, encodeEmbeddings } from './encode.js';
import { bodyChunks, callJson, callScope, postJson, primeStream } from '../transport.js';
import { stringifyJson } from '../../translate/json-text.js';

export interface OpenAIProviderDeps {
  /** Injected in tests or shared pools; otherwise one dispatcher per provider from its config. */
  dispatcher?: Dispatcher;
}

export function createOpenAIProvider(cfg: OpenAIProviderConfig, deps: OpenAIProviderDeps = {}): Provider {
  const timeouts: Timeouts = resolveTimeouts(cfg.timeouts);
  const ownDispatcher = !deps.dispatcher;
  const dispatcher =
    deps.dispatcher ?? createDispatcher({ timeouts: cfg.timeouts, caFile: cfg.caFile, proxyUrl: cfg.proxyUrl, maxConnections: cfg.maxConnections });
  const base = cfg.baseUrl.replace(/\/+$/, '');
  const host = new URL(base).hostname;
  const maxTokensField = cfg.azureApiVersion || host === 'api.openai.com' ? 'max_completion_tokens' : 'max_tokens';

  // Built once per path (parsing a URL was ~1% of the gateway's CPU per request); the transport only reads them.
  const urls = new Map<string, URL>();
  const url = (path: string): URL => {
    let u = urls.get(path);
    if (!u) {
      u = new URL(`${base}${path}`);
      if (cfg.azureApiVersion) u.searchParams.set('api-version', cfg.azureApiVersion);
      urls.set(path, u);
    }
    return u;
  };

  const headers = (call: UpstreamCall): Record<string, string> => {
    const h: Record<string, string> = { ...(cfg.headers ?? {}), 'x-client-request-id': call.requestId };
    if (cfg.apiKey) {
      if (cfg.azureApiVersion) h['api-key'] = cfg.apiKey;
      else h.authorization = `Bearer ${cfg.apiKey}`;
    }
    if (cfg.organization) h['openai-organization'] = cfg.organization;
    return h;
  };

  return {
    kind: 'openai',
    name: cfg.name,

    async chat(req: ChatRequest, dep: Deployment, call: UpstreamCall): Promise<ChatResponse> {
      const scope = callScope(call, timeouts);
      const body = encodeChat({ ...req, stream: false }, { upstreamModel: dep.upstreamModel, maxTokensField });
      return decodeChat(await callJson({ dispatcher, url: url('/chat/completions'), headers: headers(call), body: stringifyJson(body), scope }));
    },

    async chatStream(req: ChatRequest, dep: Deployment, call: UpstreamCall): Promise<AsyncIterable<StreamEvent>> {
      const scope = callScope(call, timeouts);
      const body = encodeChat({ ...req, stream: true }, { upstreamModel: dep.upstreamModel, maxTokensField });
      const res = await postJson({
        dispatcher,
        url: url('/chat/completions'),
        headers: headers(call),
        body: stringifyJson(body),
        scope,
        accept: 'text/event-stream',
      });
      return primeStream(decodeChatStream(parseSSE(bodyChunks(res.body))), scope, res.body);
    },

    async embed(req: EmbeddingRequest, dep: Deployment, call: UpstreamCall): Promise<EmbeddingResponse> {
      const scope = callScope(call, timeouts);
      const body = encodeEmbeddings(req, dep.upstreamModel);
      return decodeEmbeddings(await callJson({ dispatcher, url: url('/embeddings'), headers: headers(call), body: stringifyJson(body), scope }), dep.upstreamModel);
    },

    async close(): Promise<void> {
      if (ownDispatcher) await dispatcher.close();
    },
  };
}
