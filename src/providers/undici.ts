/**
 * The three parts of undici the gateway uses (Agent, ProxyAgent and the `request` API), loaded
 * file by file. The package's index also loads fetch, WebSocket, EventSource, the HTTP caches and
 * the mock agents, which nothing here uses and which kept ~7 MB resident in every gateway.
 * undici is pinned in package.json; these paths are its CommonJS layout and the provider tests
 * exercise every one of them.
 */
import { createRequire } from 'node:module';
import type * as Undici from 'undici';
import type { Dispatcher } from 'undici';

const load = createRequire(import.meta.url);

export const Agent = load('undici/lib/dispatcher/agent.js') as typeof Undici.Agent;
export const ProxyAgent = load('undici/lib/dispatcher/proxy-agent.js') as typeof Undici.ProxyAgent;
export type { Dispatcher };

type ApiRequest = (this: Dispatcher, opts: Dispatcher.RequestOptions) => Promise<Dispatcher.ResponseData>;
const apiRequest = load('undici/lib/api/api-request.js') as ApiRequest;

export type RequestOptions = Omit<Dispatcher.RequestOptions, 'origin' | 'path' | 'method'> & {
  method: Dispatcher.HttpMethod;
  dispatcher: Dispatcher;
};

/** undici's `request(url, opts)`, always on an explicit dispatcher (never the global one). */
export function request(url: URL | string, opts: RequestOptions): Promise<Dispatcher.ResponseData> {
  const u = typeof url === 'string' ? new URL(url) : url;
  const { dispatcher, ...rest } = opts;
  return apiRequest.call(dispatcher, { ...rest, origin: u.origin, path: `${u.pathname}${u.search}` });
}
