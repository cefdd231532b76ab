/** A RequestContext for stage tests, without a server (Runtime is not read by limits or routing). */
import { randomUUID } from 'node:crypto';
import type { RequestContext } from '../../pipeline/context.js';
import type { Runtime } from '../../config/runtime.js';
import type { Principal } from '../../identity/types.js';
import type { CompiledModel } from '../../config/compile.js';
import type { ChatRequest } from '../../translate/ir.js';
import type { Provider } from '../../providers/types.js';

export function testModel(name = 'gpt-test', deployments: CompiledModel['deployments'] = [{ id: 'up/gpt', provider: 'up', upstreamModel: 'gpt', weight: 1 }]): CompiledModel {
  return { name, type: 'chat', deployments, tier: 'general', stage: 'approved', fineTuned: false, costClass: 'standard', dataClassifications: ['public'] };
}

export function testPrincipal(over: Partial<Principal> = {}): Principal {
  return { id: 'apikey:k1', kind: 'api_key', name: 'k1', roles: ['user'], keyId: 'k1', authMethod: 'api_key', mfa: false, ...over };
}

export function chatRequest(text = 'Hello there, how are you?', over: Partial<ChatRequest> = {}): ChatRequest {
  return { model: 'gpt-test', system: [], messages: [{ role: 'user', content: [{ type: 'text', text }] }], stream: false, ...over };
}

export interface TestContextOptions {
  principal?: Principal;
  model?: CompiledModel;
  chat?: ChatRequest;
  providers?: Map<string, Provider>;
  signal?: AbortSignal;
}

export function testContext(o: TestContextOptions = {}): RequestContext {
  const runtime = { providers: o.providers ?? new Map() } as unknown as Runtime;
  return {
    requestId: randomUUID(),
    receivedAt: performance.now(),
    startedAt: new Date(),
    clientApi: 'openai',
    operation: 'chat',
    action: 'InvokeModel',
    sourceIp: '127.0.0.1',
    headers: {},
    signal: o.signal ?? new AbortController().signal,
    runtime,
    principal: o.principal ?? testPrincipal(),
    model: o.model ?? testModel(),
    chat: o.chat ?? chatRequest(),
    guardrails: [],
    attempts: 0,
  };
}
